"""The same call reached through two sources under different ids: found, then confirmed by staff."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from tracker.db import column_rows
from tracker.follows import move_follows
from tracker.ingest import remerge
from tracker.models import (
    Application,
    Call,
    CallSource,
    CallTheme,
    DuplicateCandidate,
    Feedback,
    Match,
)

TITLE_SIMILARITY = 0.88
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str | None) -> str:
    """Lower case, accents and punctuation removed, one space between words."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(_WORD.findall(plain))


@dataclass(frozen=True)
class _Call:
    id: int
    title: str
    programme: str
    dates: frozenset[str]
    sources: frozenset[str]


def find_candidates(
    session: Session, call_ids: Iterable[int] | None = None
) -> list[DuplicateCandidate]:
    """Mark pairs of calls from different sources with a similar title, programme and deadline;
    with `call_ids`, only pairs of which one is among them."""
    focus = set(call_ids) if call_ids is not None else None
    if focus == set():
        return []  # a run that changed no call: no pair to look at again
    calls = _active_calls(session)
    known = {(c.call_id, c.other_id) for c in session.exec(select(DuplicateCandidate))}
    blocks: dict[str, list[_Call]] = defaultdict(list)
    for call in calls:
        for day in call.dates:
            blocks[day].append(call)  # a duplicate shares at least one deadline day
    found: dict[tuple[int, int], DuplicateCandidate] = {}
    for day, members in blocks.items():
        for a, b in _cross_source_pairs(members, focus):
            pair = (min(a.id, b.id), max(a.id, b.id))
            if pair in known or pair in found:
                continue
            candidate = _compare(a, b, day)
            if candidate is not None:
                found[pair] = candidate
    session.add_all(found.values())
    session.flush()
    return list(found.values())


def _cross_source_pairs(
    members: list[_Call], focus: set[int] | None
) -> Iterator[tuple[_Call, _Call]]:
    """The pairs of `members` in their order (as `combinations` gives them) that share no
    source, one source never listing one call twice under two ids, and of which one is in
    `focus` (all when None). Calls are grouped by their sources, so the many pairs of one
    source's calls on a busy deadline day are never formed."""
    groups: dict[frozenset[str], list[int]] = defaultdict(list)
    for position, call in enumerate(members):
        groups[call.sources].append(position)
    partners = {
        sources: sorted(
            p for other, places in groups.items() if not sources & other for p in places
        )
        for sources in groups
    }
    for i, a in enumerate(members):
        later = partners[a.sources]
        for j in later[bisect_right(later, i) :]:
            b = members[j]
            if focus is None or a.id in focus or b.id in focus:
                yield a, b


def _compare(a: _Call, b: _Call, day: str) -> DuplicateCandidate | None:
    if not _same_programme(a.programme, b.programme):
        return None
    titles = SequenceMatcher(None, a.title, b.title)
    # The quick ratios are upper bounds of ratio(): most titles are told apart by them alone.
    if titles.real_quick_ratio() < TITLE_SIMILARITY or titles.quick_ratio() < TITLE_SIMILARITY:
        return None
    similarity = titles.ratio()
    if similarity < TITLE_SIMILARITY:
        return None
    kept, other = sorted((a, b), key=lambda c: c.id)
    reasons = {
        "title_similarity": round(similarity, 3),
        "deadline": day,
        "programme": a.programme or b.programme,
    }
    return DuplicateCandidate(
        call_id=kept.id, other_id=other.id, similarity=similarity, reasons=reasons
    )


def _same_programme(a: str, b: str) -> bool:
    """Unknown, equal, or one name inside the other ("Horizon Europe" in "Horizon Europe (HORIZON)")."""
    if not a or not b:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    return words_a <= words_b or words_b <= words_a


def _active_calls(session: Session) -> list[_Call]:
    sources: dict[int, set[str]] = defaultdict(set)
    for call_id, source in column_rows(session, select(CallSource.call_id, CallSource.source)):
        sources[call_id].add(source)
    rows = column_rows(
        session,
        select(Call.id, Call.title, Call.programme, Call.deadlines).where(
            col(Call.merged_into_id).is_(None)
        ),
    )
    return [
        _Call(
            id=row.id,
            title=normalise(row.title),
            programme=normalise(row.programme),
            dates=frozenset(d["date"] for d in row.deadlines),
            sources=frozenset(sources[row.id]),
        )
        for row in rows
    ]


def confirm(
    session: Session,
    candidate_id: int,
    *,
    user_id: int | None,
    priority: Sequence[str],
    today: date,
    now: datetime,
) -> Call:
    """Make the two calls one: the other call's source links, feedback, applications,
    followers and history point to the kept one. Of two people confirming at once, the second is told it is
    done; on PostgreSQL the two calls' rows are locked until the merge commits, so no ingest
    changes them half-way."""
    candidate = _decide(session, candidate_id, "confirmed", user_id, now)
    kept, other = candidate.call_id, candidate.other_id
    session.exec(
        select(Call.id).where(col(Call.id).in_([kept, other])).order_by(Call.id).with_for_update()
    )
    session.exec(update(CallSource).where(CallSource.call_id == other).values(call_id=kept))
    for followed in (Feedback, Application):
        session.exec(update(followed).where(followed.call_id == other).values(call_id=kept))
    move_follows(session, other, kept)
    for model in (Match, CallTheme):  # recomputed for the kept call
        session.exec(delete(model).where(model.call_id == other))
    session.exec(update(Call).where(Call.id == other).values(merged_into_id=kept, last_changed=now))
    remerge(session, [kept], priority=priority, today=today, now=now, source="staff-merge")
    session.flush()
    return session.get(Call, kept)


def reject(session: Session, candidate_id: int, *, user_id: int | None, now: datetime) -> None:
    """Keep the two calls apart; the pair is never suggested again."""
    _decide(session, candidate_id, "rejected", user_id, now)


def _decide(
    session: Session, candidate_id: int, status: str, user_id: int | None, now: datetime
) -> DuplicateCandidate:
    """Decide a pending candidate once: a compare-and-set, so that of two decisions at once the
    second waits for the first and is refused, on both engines."""
    decided = session.execute(
        update(DuplicateCandidate)
        .where(col(DuplicateCandidate.id) == candidate_id, DuplicateCandidate.status == "pending")
        .values(status=status, decided_by=user_id, decided_at=now)
    )
    candidate = session.get(DuplicateCandidate, candidate_id, populate_existing=True)
    if candidate is None:
        raise LookupError(f"no duplicate candidate {candidate_id}")
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise ValueError(f"duplicate candidate {candidate_id} is already {candidate.status}")
    return candidate


def pending(session: Session) -> list[DuplicateCandidate]:
    """Candidates waiting for a decision, most similar first."""
    query = select(DuplicateCandidate).where(DuplicateCandidate.status == "pending")
    return list(session.exec(query.order_by(col(DuplicateCandidate.similarity).desc())))
