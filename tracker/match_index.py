"""The calls' match index, kept between requests and jobs: fitted once, then refreshed call by call.

Fitting the text model reads every call's text (seconds at thousands of calls), so a process
fits it once and afterwards only adds, replaces or retires the calls that changed in the
database, by comparing content hashes. The model is fitted again when a job asks for it (the
nightly re-score) or when more than REFIT_SHARE of the calls changed since it was fitted; a web
request never waits for that: it gets the refreshed index and the new fit runs in a thread.
Every refresh makes a new index object, so an index handed out is never changed under its user.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from matcher.engine import live_block
from matcher.facts import RowStore
from matcher.index import MatchIndex, build_index, retire_call, upsert_call
from matcher.text import StemCache
from matcher.themes import ThemeTag
from tracker.config import Settings
from tracker.db import among, column_rows
from tracker.match_inputs import call_input, input_columns, match_settings, themes
from tracker.models import Call, CallTheme, CallVersion, MatchPrior
from tracker.priors import load_priors
from tracker.queries import UNMERGED, current_clause

log = logging.getLogger(__name__)

REFIT_SHARE = 0.2  # calls changed since the fit beyond which the text model is fitted again
LOAD_BATCH = 1000  # calls read from the database at a time when the index is fitted


def live_clause(today: date) -> Any:
    """The calls that take part in matching: open or forthcoming, not merged into another."""
    return UNMERGED & current_clause(today)


@dataclass(frozen=True)
class _Entry:
    index: MatchIndex  # the calls, no actors
    hashes: dict[int, str]  # call id -> content hash of the call as indexed
    fitted: int  # calls the text model was fitted on
    changed: int  # calls added or replaced since
    seen: tuple[Any, ...] = ()  # the signature of the stored calls and the day last looked at


class IndexCache:
    """Per process, per database and matching settings: the calls as a match index."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._refitting: set[tuple[str, str]] = set()
        self._words = StemCache()  # words read by this process, kept from fit to fit
        self.fits = 0  # text models fitted by this process

    def calls(
        self, session: Session, settings: Settings, today: date, *, background: bool = False
    ) -> MatchIndex:
        """The live calls as an index, refreshed from the database.

        With `background`, a due refit runs in a thread and the refreshed index is returned now.
        """
        key = _key(session, settings)
        with self._lock:
            seen = (*_signature(session), today)
            entry = self._entries.get(key)
            if entry is not None and entry.seen == seen:
                return entry.index  # nothing stored has changed: no query of every call
            live = _hashes(session, today)
            if entry is None or not entry.fitted:  # no words to compare calls by: fit now
                entry = self._fit(session, settings, today, live)
            else:
                entry = _refreshed(session, entry, live)
                if entry.changed > REFIT_SHARE * max(entry.fitted, 1):
                    if background:
                        self._refit_later(session.get_bind(), settings, today, key)
                    else:
                        entry = self._fit(session, settings, today, live)
            if entry.seen[3:5] != seen[3:5]:  # priors learned again (`radar import-cordis`)
                entry = replace(entry, index=replace(entry.index, priors=load_priors(session)))
            live_block(entry.index, today)  # prepared once, shared by every request of the day
            self._entries[key] = replace(entry, seen=seen)
            return entry.index

    def clear(self) -> None:
        """Forget every index: a database was replaced under the same address (as tests do)."""
        with self._lock:
            self._entries.clear()

    def refit(self, session: Session, settings: Settings, today: date) -> MatchIndex:
        """Fit the text model again on the live calls (the nightly re-score does)."""
        with self._lock:
            seen = (*_signature(session), today)
            entry = self._fit(session, settings, today, _hashes(session, today))
            self._entries[_key(session, settings)] = replace(entry, seen=seen)
            return entry.index

    def _fit(
        self, session: Session, settings: Settings, today: date, live: dict[int, str]
    ) -> _Entry:
        # Read a batch at a time: 50,000 stored calls held at once took 560 MB.
        query = select(*input_columns()).where(live_clause(today))
        query = query.execution_options(yield_per=LOAD_BATCH)
        stored = [call_input(c) for c in column_rows(session, query)]
        index = build_index(
            stored,
            [],
            themes=themes(settings),
            settings=match_settings(settings),
            stem_cache=self._words,
            tags=stored_tags(session, select(Call.id).where(live_clause(today))),
            priors=load_priors(session),
        )
        self.fits += 1
        return _Entry(index, {int(c.id): c.content_hash for c in stored}, len(stored), 0)

    def _refit_later(self, bind: Any, settings: Settings, today: date, key: tuple) -> None:
        if key in self._refitting:
            return
        self._refitting.add(key)

        def work() -> None:
            try:
                with Session(bind) as session:
                    self.refit(session, settings, today)
            except Exception:  # the refreshed index keeps serving; the nightly job fits again
                log.exception("refitting the match index failed")
            finally:
                self._refitting.discard(key)

        threading.Thread(target=work, name="match-index-refit", daemon=True).start()

    def warm(self, engine: Engine, settings: Settings, today: date) -> threading.Thread:
        """Fit the index in a thread, so that a new process's first request finds it ready."""

        def work() -> None:
            try:
                with Session(engine) as session:
                    self.calls(session, settings, today)
            except Exception:
                log.exception("building the match index failed")

        thread = threading.Thread(target=work, name="match-index-warm", daemon=True)
        thread.start()
        return thread


def _key(session: Session, settings: Settings) -> tuple[str, str]:
    bind = session.get_bind()
    return str(getattr(bind, "url", bind)), repr(settings.matching)


def _signature(session: Session) -> tuple[Any, ...]:
    """What changes whenever a call is added, changed (a new version), merged or removed, or the
    organisation-type priors are learned again."""
    versions = session.exec(select(func.max(CallVersion.id))).one()
    calls = session.exec(select(func.count()).select_from(Call)).one()
    # The merged alone, from their own index (0025): no call's row read.
    merged = session.exec(select(func.count()).where(col(Call.merged_into_id).is_not(None))).one()
    priors, lifts = session.exec(select(func.count(), func.sum(MatchPrior.lift))).one()
    return versions, calls, merged, priors, lifts


def _hashes(session: Session, today: date) -> dict[int, str]:
    rows = session.exec(select(Call.id, Call.content_hash).where(live_clause(today))).all()
    return {int(i): h for i, h in rows if i is not None}


def _refreshed(session: Session, entry: _Entry, live: dict[int, str]) -> _Entry:
    """A new entry whose index holds the calls as stored now; the given one is left unchanged."""
    stale = sorted(i for i, h in live.items() if entry.hashes.get(i) != h)
    gone = [i for i in entry.hashes if i not in live]
    if not stale and not gone:
        return entry
    old = entry.index
    assert old.call_vectors is not None
    index = replace(
        old,
        calls=list(old.calls),
        call_pos=dict(old.call_pos),
        call_vectors=RowStore(old.call_matrix()),
        retired=set(old.retired),
    )
    tags = stored_tags(session, stale)
    for call in calls_by_id(session, stale):
        upsert_call(index, call_input(call), tags.get(str(call.id), ()))
    for call_id in gone:
        retire_call(index, str(call_id))
    hashes = {i: h for i, h in entry.hashes.items() if i in live} | {i: live[i] for i in stale}
    return _Entry(index, hashes, entry.fitted, entry.changed + len(stale))


def stored_tags(session: Session, call_ids: Any) -> dict[str, list[ThemeTag]]:
    """The theme tags stored at ingest of these calls (ids, or a query of ids), best first."""
    query = select(CallTheme).where(col(CallTheme.call_id).in_(call_ids))
    tags: dict[str, list[ThemeTag]] = {}
    for row in session.exec(query.order_by(col(CallTheme.score).desc(), CallTheme.theme)):
        tag = ThemeTag(row.theme, row.score, tuple(row.reason.get("keywords", ())))
        tags.setdefault(str(row.call_id), []).append(tag)
    return tags


def calls_by_id(session: Session, ids: Sequence[int], chunk: int = 500) -> list[Any]:
    """Calls by id as rows of call_input's columns, in chunks that stay within every engine's
    limit on bound parameters."""
    out: list[Any] = []
    for start in range(0, len(ids), chunk):
        part = select(*input_columns()).where(among(session, Call.id, ids[start : start + chunk]))
        out.extend(column_rows(session, part).all())
    return out


INDEXES = IndexCache()  # this process's
