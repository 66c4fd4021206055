"""A job that sends email (the digests, the reminders): one process at a time per database,
its messages over one connection to the mail server (tracker.mailer.Outbox), what became of
them counted and recorded as a JobRun."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine

from tracker.config import Settings
from tracker.db import session_scope
from tracker.locks import ProcessLock
from tracker.mailer import Outbox
from tracker.models import JobRun, utcnow

Send = Callable[[Outbox], str | None]  # sends one message in its own transaction: its outcome


class MailJobRunning(RuntimeError):
    """Another process is running the same mail job on this database."""


def run_mail_job(
    engine: Engine,
    settings: Settings,
    job: str,
    sends: Sequence[Send],
    message: Callable[[Counter[str | None]], str],
) -> JobRun:
    """Run each of `sends` over one connection, under the job's process lock; the run recorded
    with the outcomes counted ("sent", "failed", ...) and told by `message`."""
    lock = ProcessLock(engine, job)
    if not lock.acquire():
        raise MailJobRunning(f"another process is running '{job}' for {lock.what}")
    try:
        run = JobRun(job=job, started_at=utcnow(), fetched=len(sends))
        with Outbox(settings.mail) as outbox:
            outcomes = Counter(send(outbox) for send in sends)
        run.ok, run.new, run.errors = True, outcomes["sent"], outcomes["failed"]
        run.message = message(outcomes)
        run.finished_at = utcnow()
        with session_scope(engine) as session:
            session.add(run)
        return run
    finally:
        lock.release()
