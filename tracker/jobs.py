"""Jobs: one source's run from fetch to stored calls, recorded as a JobRun row."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
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
from tracker.config import Settings
from tracker.db import session_scope
from tracker.duplicates import find_candidates
from tracker.ingest import IngestStats, ingest
from tracker.matching import rescore_all, rescore_calls
from tracker.models import JobRun, SourceState, utcnow
from tracker.withdrawals import settle

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
KEPT_ERRORS = 1000  # record errors stored with a run; the count is always whole


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
    """Fetch, parse and ingest one source; a failure leaves stored calls as they were."""
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
    records = _records(source, pages)
    return _run(engine, settings, "ingest", name, records, today, progress, lambda: complete)


def match(engine: Engine, settings: Settings, *, today: date | None = None) -> JobRun:
    """Re-score every actor against every open or forthcoming call, recorded as a JobRun."""
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


def _records(source: Any, pages: Iterable[Page]) -> Iterator[Parsed]:
    for page in pages:
        yield from source.parse(page)


class _Outcome:
    """A run's parsed records as they are read, the errors of the records left out set aside."""

    def __init__(self, parsed: Iterable[Parsed]) -> None:
        self.parsed = parsed
        self.errors: list[RecordError] = []

    def records(self) -> Iterator[CallRecord]:
        for item in self.parsed:
            if isinstance(item, RecordError):
                log.warning("record left out: %s", item)
                self.errors.append(item)
            else:
                yield item

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
        run.record_errors = [error.to_json() for error in self.errors[:KEPT_ERRORS]]


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
    run = JobRun(job=job, source=name, started_at=utcnow())
    _finish(engine, run)  # visible as running while it runs
    now = utcnow()
    outcome = _Outcome(parsed)
    records: Iterable[CallRecord] = outcome.records()
    if progress is not None:
        records = _counting(records, progress)
    try:
        with session_scope(engine) as session:
            stats, duplicates = _store(
                session, settings, name, records, outcome, today or settings.today(), now, complete
            )
    except SourceError as exc:
        log.error("%s run failed: %s", name, exc)
        run.ok, run.errors, run.message = False, 1, str(exc)
    except Exception as exc:  # a bug or a database failure: still recorded, still loud
        log.exception("%s run crashed", name)
        run.ok, run.errors, run.message = False, 1, f"{name}: {type(exc).__name__}: {exc}"
    else:
        run.ok = True
        _copy_stats(run, stats, len(duplicates), len(outcome.errors))
    outcome.keep(run)
    run.finished_at = utcnow()
    _finish(engine, run)
    return run


def _store(
    session: Session,
    settings: Settings,
    name: str,
    records: Iterable[CallRecord],
    outcome: _Outcome,
    today: date,
    now: datetime,
    complete: Callable[[], bool],
) -> tuple[IngestStats, list[Any]]:
    """Ingest the run's records, then withdraw or bring back calls, find duplicates, re-score."""
    priority = [source.name for source in SOURCES]
    stats = ingest(session, records, priority=priority, today=today, now=now)
    outcome.check_share(name, stats.fetched, settings.ingest.max_failed_share)
    # Evidence of dropped calls only from a whole listing that every record was read from.
    withdrawn, back = settle(
        session,
        name,
        complete=complete() and stats.fetched > 0 and not outcome.errors,
        after_runs=settings.ingest.withdraw_after_runs,
        today=today,
        now=now,
    )
    stats.call_ids |= {*withdrawn, *back}
    stats.withdrawn, stats.back = len(withdrawn), len(back)
    duplicates = find_candidates(session, stats.call_ids)
    rescore_calls(session, settings, sorted(stats.call_ids), today, now)
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
    """Runs still "running" when no scheduler runs were ended by a killed process: mark them."""
    with session_scope(engine) as session:
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
