"""Jobs: one source's run from fetch to stored calls, the re-score and the mail retry, each
recorded as a JobRun row."""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scrapers import SOURCES, source_class
from scrapers.base import Page, SourceError
from scrapers.fields import Parsed, RecordError
from scrapers.http import HttpClient
from scrapers.record import CallRecord
from tracker.bounds import bounded
from tracker.config import Settings
from tracker.db import session_scope
from tracker.duplicates import find_candidates
from tracker.ingest import IngestStats, ingest
from tracker.locks import ProcessLock
from tracker.mailer import Outbox, pending_emails, retry_email
from tracker.match_index import calls_by_id
from tracker.matching import rescore_all, rescore_calls, tag_themes
from tracker.models import JobRun, SourceState, utcnow
from tracker.subscriptions import remove_unconfirmed
from tracker.withdrawals import settle

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
KEPT_ERRORS = 1000  # record errors stored with a run; the count is always whole
RESCORE_CHUNK = 1000  # changed calls re-scored against every actor per transaction


def make_source(settings: Settings, name: str) -> Any:
    """An instance of the registered source with its own settings."""
    return source_class(name)(settings.source(name))


def scrape(
    engine: Engine,
    settings: Settings,
    name: str,
    *,
    http: HttpClient | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> JobRun:
    """Fetch, parse and ingest one source; a response that cannot be read stores nothing."""
    source = make_source(settings, name)
    http = http or HttpClient(settings.http)
    state = _load_state(engine, name)

    def pages() -> Iterator[Page]:
        for page in source.fetch(http, state):
            try:
                yield page
            finally:
                if isinstance(page.body, Path):
                    page.body.unlink(missing_ok=True)  # a streamed download

    def complete() -> bool:  # an unchanged (304) response lists nothing
        return bool(source.complete_listing) and not state.get("not_modified")

    records = _records(source, pages())
    run = _run(engine, settings, "scrape", name, records, today, progress, complete)
    if run.ok:
        _save_state(engine, name, state)
        if state.pop("not_modified", False):
            run.message = "not modified since the last run"
            _finish(engine, run)
    return run


def ingest_files(
    engine: Engine,
    settings: Settings,
    name: str,
    files: Iterable[Path],
    *,
    today: date | None = None,
    progress: Progress | None = None,
    complete: bool = False,
) -> JobRun:
    """Parse recorded responses and ingest them as a scrape would; `complete` when the files are
    the source's whole listing, so calls missing from them count as dropped by this run."""
    source = make_source(settings, name)
    pages = (Page(source=name, url=path.resolve().as_uri(), body=path) for path in files)
    return ingest_records(
        engine, settings, name, _records(source, pages), today=today, progress=progress,
        complete=complete,
    )  # fmt: skip


def ingest_records(
    engine: Engine,
    settings: Settings,
    name: str,
    records: Iterable[Parsed],
    *,
    today: date | None = None,
    progress: Progress | None = None,
    complete: bool = False,
) -> JobRun:
    """Ingest parsed records as a run of source `name`, recorded as a JobRun."""
    return _run(engine, settings, "ingest", name, records, today, progress, lambda: complete)


def match(engine: Engine, settings: Settings, *, today: date | None = None) -> JobRun:
    """Re-score every actor against every open or forthcoming call, recorded as a JobRun."""
    with one_writer(engine, "match"):
        return _match(engine, settings, today)


def _match(engine: Engine, settings: Settings, today: date | None) -> JobRun:
    run = JobRun(job="match", started_at=utcnow())
    _finish(engine, run)
    try:
        with session_scope(engine) as session:
            count = rescore_all(session, settings, today or settings.today(), utcnow())
    except Exception as exc:  # recorded and loud, like a failed source
        log.exception("match run crashed")
        run.ok, run.errors, run.message = False, 1, f"match: {type(exc).__name__}: {exc}"
    else:
        run.ok, run.message = True, f"{count} matches stored"
    run.finished_at = utcnow()
    _finish(engine, run)
    return run


def send_mail(engine: Engine, settings: Settings) -> JobRun | None:
    """Try again every message kept as pending, over one connection, each in its own
    transaction, so a message sent is logged at once; a JobRun only when there was something
    to send."""
    with Session(engine) as session:
        waiting = pending_emails(session)
    if not waiting:
        return None
    run = JobRun(job="send-mail", started_at=utcnow(), fetched=len(waiting))
    outcomes: Counter[str | None] = Counter()
    with Outbox(settings.mail) as outbox:
        for email_id in waiting:
            with session_scope(engine) as session:
                outcomes[retry_email(session, settings, email_id, outbox)] += 1
    run.ok, run.new, run.errors = True, outcomes["sent"], outcomes["failed"]
    run.message = (
        f"{outcomes['sent']} sent, {outcomes['failed']} refused for good, "
        f"{outcomes['pending']} still pending"
    )
    run.finished_at = utcnow()
    _finish(engine, run)
    return run


def clean_subscriptions(engine: Engine, settings: Settings) -> JobRun | None:
    """Remove the public subscriptions not confirmed within `[digests] unconfirmed_days`; a
    JobRun only when some were."""
    run = JobRun(job="clean-subscriptions", started_at=utcnow())
    with session_scope(engine) as session:
        removed = remove_unconfirmed(session, run.started_at, settings.digests.unconfirmed_days)
    if not removed:
        return None
    run.ok, run.new, run.finished_at = True, removed, utcnow()
    run.message = f"{removed} public subscriptions never confirmed removed"
    _finish(engine, run)
    return run


def _records(source: Any, pages: Iterable[Page]) -> Iterator[Parsed]:
    for page in pages:
        yield from source.parse(page)


class _Outcome:
    """A run's parsed records as they are read within bounds, the errors of the records left out
    and the notes of the texts cut set aside."""

    def __init__(self, parsed: Iterable[Parsed]) -> None:
        self.parsed = parsed
        self.errors: list[RecordError] = []
        self.notes: list[RecordError] = []

    def records(self) -> Iterator[CallRecord]:
        for item in self.parsed:
            try:
                if isinstance(item, RecordError):
                    raise item
                record, notes = bounded(item)
            except RecordError as error:
                log.warning("record left out: %s", error)
                self.errors.append(error)
                continue
            for note in notes:
                log.warning("record kept: %s", note)
            self.notes += notes
            yield record

    def check_share(self, name: str, stored: int, limit: float) -> None:
        """Fail the run (so its transaction stores nothing) when too many records failed."""
        failed = len(self.errors)
        total = stored + failed
        if total and failed / total > limit:
            raise SourceError(
                name,
                f"{failed} of {total} records failed ({failed / total:.0%}, more than "
                f"{limit:.0%}): nothing stored; first: {self.errors[0].problem}",
            )

    def keep(self, run: JobRun) -> None:
        run.errors = max(run.errors, len(self.errors))
        kept = [*self.errors, *self.notes][:KEPT_ERRORS]
        run.record_errors = [error.to_json() for error in kept]


def _run(
    engine: Engine,
    settings: Settings,
    job: str,
    name: str,
    parsed: Iterable[Parsed],
    today: date | None,
    progress: Progress | None,
    complete: Callable[[], bool],
) -> JobRun:
    with one_writer(engine, f"{job} {name}"):
        return _stored_run(engine, settings, job, name, parsed, today, progress, complete)


@contextmanager
def one_writer(engine: Engine, what: str) -> Iterator[None]:
    """Runs that store calls or matches go one at a time, across processes and hosts: a second
    one waits for the first, saying so."""
    lock = ProcessLock(engine, "store")
    if not lock.acquire():
        log.warning("%s waits: another process is storing calls or matches", what)
        lock.acquire(wait=True)
    try:
        yield
    finally:
        lock.release()


def _stored_run(
    engine: Engine,
    settings: Settings,
    job: str,
    name: str,
    parsed: Iterable[Parsed],
    today: date | None,
    progress: Progress | None,
    complete: Callable[[], bool],
) -> JobRun:
    run = JobRun(job=job, source=name, started_at=utcnow())
    _finish(engine, run)  # visible as running while it runs
    outcome = _Outcome(parsed)
    records: Iterable[CallRecord] = outcome.records()
    if progress is not None:
        records = _counting(records, progress)
    try:
        with _staged(records) as (count, staged):  # every page read before anything is stored
            outcome.check_share(name, count, settings.ingest.max_failed_share)
            # Evidence of dropped calls only from a whole listing every record was read from.
            whole = complete() and count > 0 and not outcome.errors
            stats, duplicates = _store(
                engine, settings, name, staged, today or settings.today(), utcnow(), whole
            )
    except SourceError as exc:
        log.error("%s run failed: %s", name, exc)
        run.ok, run.errors, run.message = False, 1, str(exc)
    except Exception as exc:  # a bug or a database failure: still recorded, still loud
        log.exception("%s run crashed", name)
        run.ok, run.errors, run.message = False, 1, f"{name}: {type(exc).__name__}: {exc}"
    else:
        run.ok = True
        _copy_stats(run, stats, duplicates, len(outcome.errors))
    outcome.keep(run)
    run.finished_at = utcnow()
    _finish(engine, run)
    return run


@contextmanager
def _staged(records: Iterable[CallRecord]) -> Iterator[tuple[int, Iterator[CallRecord]]]:
    """A run's records parsed into a temporary file, their count and a reader of them: a page
    that cannot be read fails the run before anything is stored, and the records are never all
    held in memory."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as file:
        count = 0
        for record in records:
            file.write(record.fingerprint + "\n")  # JSON with sorted keys, made once
            count += 1
        file.seek(0)
        yield count, (CallRecord.from_fingerprint(line.rstrip("\n")) for line in file)


def _store(
    engine: Engine,
    settings: Settings,
    name: str,
    records: Iterable[CallRecord],
    today: date,
    now: datetime,
    complete: bool,
) -> tuple[IngestStats, int]:
    """Records stored a batch per transaction, each call tagged with its themes in the batch
    that stores it, so a web write waits for one batch at most, never for the whole run; then
    the calls withdrawn or back, the likely duplicates, and the matches of the calls that
    changed, in chunks."""

    def checkpoint(session: Session, call_ids: set[int]) -> None:
        tag_themes(session, settings, calls_by_id(session, sorted(call_ids)))
        session.commit()

    with session_scope(engine) as session:
        stats = ingest(
            session,
            records,
            priority=[source.name for source in SOURCES],
            today=today,
            now=now,
            checkpoint=checkpoint,
        )
        withdrawn, back = settle(
            session,
            name,
            complete=complete,
            after_runs=settings.ingest.withdraw_after_runs,
            today=today,
            now=now,
        )
        stats.call_ids |= {*withdrawn, *back}
        stats.withdrawn, stats.back = len(withdrawn), len(back)
        duplicates = len(find_candidates(session, stats.call_ids))
    changed = sorted(stats.call_ids)
    for start in range(0, len(changed), RESCORE_CHUNK):
        with session_scope(engine) as session:
            rescore_calls(session, settings, changed[start : start + RESCORE_CHUNK], today, now)
    return stats, duplicates


def _counting(records: Iterable[CallRecord], progress: Progress) -> Iterator[CallRecord]:
    for record in records:
        progress(1)
        yield record


def _copy_stats(run: JobRun, stats: IngestStats, likely_duplicates: int, failed: int) -> None:
    run.fetched, run.new = stats.fetched + failed, stats.new
    run.changed, run.unchanged = stats.changed, stats.unchanged
    notes = []
    if failed:
        notes.append(f"{failed} records left out: a field could not be read")
    if stats.withdrawn:
        notes.append(f"{stats.withdrawn} calls withdrawn: no source lists them any more")
    if stats.back:
        notes.append(f"{stats.back} withdrawn calls listed again")
    if stats.duplicates:
        notes.append(f"{stats.duplicates} records served twice were counted once")
    if likely_duplicates:
        notes.append(f"{likely_duplicates} likely duplicate calls for staff to confirm or reject")
    run.message = "; ".join(notes) or None


def _finish(engine: Engine, run: JobRun) -> None:
    with session_scope(engine) as session:
        session.add(run)


def _load_state(engine: Engine, name: str) -> dict[str, Any]:
    with Session(engine) as session:
        row = session.get(SourceState, name)
        return dict(row.data) if row else {}


def _save_state(engine: Engine, name: str, state: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        row = session.get(SourceState, name) or SourceState(source=name)
        row.data = {k: v for k, v in state.items() if k != "not_modified"}
        row.updated_at = utcnow()
        session.add(row)


def mark_interrupted(engine: Engine) -> int:
    """Runs still "running" while no process stores anything were ended by a killed process:
    mark them."""
    with one_writer(engine, "marking runs left running"), session_scope(engine) as session:
        left = session.exec(select(JobRun).where(col(JobRun.finished_at).is_(None))).all()
        for run in left:
            run.ok, run.errors, run.finished_at = False, run.errors or 1, utcnow()
            run.message = "interrupted: the process running it stopped before it finished"
            session.add(run)
        return len(left)


def last_runs(engine: Engine) -> dict[str, JobRun]:
    """The newest run of each source."""
    with Session(engine) as session:
        newest = select(func.max(JobRun.id)).group_by(JobRun.source)
        runs = session.exec(select(JobRun).where(col(JobRun.id).in_(newest)))
        return {run.source: run for run in runs if run.source}
