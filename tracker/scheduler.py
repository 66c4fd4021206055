"""APScheduler in its own process: each source on its own interval, failures kept apart.

One scheduler per database (a lock: a file beside a SQLite database, an advisory lock on
PostgreSQL, which holds across hosts), and one job at a time within it, so two writers never
meet. Runs a killed process left "running" are marked interrupted when the next one starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from scrapers import SOURCES
from scrapers.http import HttpClient
from tracker.config import Settings, clock
from tracker.digest_run import DigestWeb, send_digests
from tracker.jobs import clean_subscriptions, mark_interrupted, match, scrape, send_mail
from tracker.locks import ProcessLock
from tracker.reminders import ReminderWeb, send_reminders

log = logging.getLogger(__name__)
ONE_AT_A_TIME = "one-at-a-time"  # the executor of every job: a single worker


def build_scheduler(  # type: ignore[no-untyped-def]
    engine: Engine,
    settings: Settings,
    scheduler: BlockingScheduler | None = None,
    digests: DigestWeb | None = None,
    reminders: ReminderWeb | None = None,
):
    """A scheduler with one job per enabled source, the first runs at start one after another,
    the nightly re-score, the mail retry, the removal of unconfirmed subscriptions and (given
    the web layer's words) the digests and the deadline reminders; every job runs in one
    worker, so no two ever overlap."""
    zone = ZoneInfo(settings.scheduler.timezone)
    scheduler = scheduler or BlockingScheduler(timezone=zone)
    scheduler.add_executor(ThreadPoolExecutor(max_workers=1), alias=ONE_AT_A_TIME)
    http = HttpClient(settings.http)
    start = datetime.now(zone)
    stagger = timedelta(seconds=settings.scheduler.stagger_seconds)
    enabled = [s.name for s in SOURCES if settings.source(s.name).enabled]
    for i, name in enumerate(enabled):
        config = settings.source(name)
        scheduler.add_job(
            scrape,
            IntervalTrigger(minutes=config.interval_minutes, timezone=zone),
            args=(engine, settings, name),
            kwargs={"http": http},
            id=f"scrape:{name}",
            name=f"scrape {name}",
            executor=ONE_AT_A_TIME,
            next_run_time=start + i * stagger,
            max_instances=1,  # a slow run is never overlapped by the next one
            coalesce=True,
            misfire_grace_time=3600,
        )
    # Every night all matches again: deadlines pass and time left shrinks even when no call changes.
    daily(
        scheduler, match, settings.matching.rescore_at, zone, (engine, settings), "match all actors"
    )
    # Mails the server did not take are tried again; no JobRun is written when none wait.
    scheduler.add_job(
        send_mail,
        IntervalTrigger(minutes=settings.mail.retry_minutes, timezone=zone),
        args=(engine, settings),
        id="send-mail",
        name="send pending mail",
        executor=ONE_AT_A_TIME,
        max_instances=1,
        coalesce=True,
    )
    # Public subscriptions never confirmed are removed once a day.
    args = (engine, settings)
    daily(
        scheduler, clean_subscriptions, settings.digests.send_at, zone, args, "clean subscriptions"
    )
    if digests is not None:  # weekly ones are due on their day's run
        args = (engine, settings, digests)
        daily(scheduler, send_digests, settings.digests.send_at, zone, args, "send email digests")
    if reminders is not None:
        at, args = settings.reminders.send_at, (engine, settings, reminders)
        daily(scheduler, send_reminders, at, zone, args, "send deadline reminders")
    return scheduler


def daily(  # type: ignore[no-untyped-def]
    scheduler, job: Callable[..., Any], at: str, zone: ZoneInfo, args: tuple[Any, ...], name: str
) -> None:
    """Run `job` every day at `at` (HH:MM in `zone`); a run missed by up to an hour, while the
    scheduler was down or busy, runs when it can."""
    moment = clock(at)
    scheduler.add_job(
        job,
        CronTrigger(hour=moment.hour, minute=moment.minute, timezone=zone),
        args=args,
        id=job.__name__,
        name=name,
        executor=ONE_AT_A_TIME,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )


def run_scheduler(
    engine: Engine,
    settings: Settings,
    digests: DigestWeb | None = None,
    reminders: ReminderWeb | None = None,
) -> None:
    """Block and run the jobs until interrupted; refuse when a scheduler already runs."""
    lock = ProcessLock(engine, "scheduler")
    if not lock.acquire():
        raise SchedulerRunning(f"another radar scheduler is running for {lock.what}")
    try:
        yield_cpu(settings)  # before any job's thread starts: they inherit it
        interrupted = mark_interrupted(engine)
        if interrupted:
            log.warning("%d runs left running by a stopped process marked interrupted", interrupted)
        scheduler = build_scheduler(engine, settings, digests=digests, reminders=reminders)
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.name, job.trigger)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            log.info("scheduler stopped")
    finally:
        lock.release()


def yield_cpu(settings: Settings) -> None:
    """This process's threads, and those they start, at the scheduler's niceness and, where
    asked and Linux has it, in SCHED_IDLE: their runs take only the CPU time the web leaves.

    Every thread, not only this one: numpy's import has already started OpenBLAS's workers,
    which do half of a re-score's products. At niceness 10 a nightly re-score still took a
    tenth of the CPU from web workers that wanted all of it, and the matches page's p95 rose
    by a fifth to a half (50,000 calls, 5,000 actors, two cores, wrk); in SCHED_IDLE it kept
    its p95, and the re-score waited for the CPU that the web left."""
    tasks = Path("/proc/self/task")  # Linux: a thread's id is a process id to these calls
    for thread in [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [0]:
        with suppress(ProcessLookupError):  # ended meanwhile
            niceness = os.getpriority(os.PRIO_PROCESS, thread) + settings.scheduler.nice
            os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))
            if settings.scheduler.idle and hasattr(os, "SCHED_IDLE"):
                os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))


class SchedulerRunning(RuntimeError):
    """A scheduler already holds this database."""
