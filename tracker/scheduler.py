"""APScheduler in its own process: each source on its own interval, failures kept apart."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from scrapers import SOURCES
from scrapers.http import HttpClient
from tracker.config import Settings
from tracker.jobs import match, scrape

log = logging.getLogger(__name__)


def build_scheduler(engine: Engine, settings: Settings, scheduler: BlockingScheduler | None = None):  # type: ignore[no-untyped-def]
    """A scheduler with one job per enabled source, the first run at start."""
    zone = ZoneInfo(settings.scheduler.timezone)
    scheduler = scheduler or BlockingScheduler(timezone=zone)
    http = HttpClient(settings.http)
    for source in SOURCES:
        config = settings.source(source.name)
        if not config.enabled:
            continue
        scheduler.add_job(
            scrape,
            IntervalTrigger(minutes=config.interval_minutes, timezone=zone),
            args=(engine, settings, source.name),
            kwargs={"http": http},
            id=f"scrape:{source.name}",
            name=f"scrape {source.name}",
            next_run_time=datetime.now(zone),
            max_instances=1,  # a slow run is never overlapped by the next one
            coalesce=True,
            misfire_grace_time=3600,
        )
    # Every night all matches again: deadlines pass and time left shrinks even when no call changes.
    hour, minute = (int(part) for part in settings.matching.rescore_at.split(":"))
    scheduler.add_job(
        match,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        args=(engine, settings),
        id="match",
        name="match all actors",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler


def run_scheduler(engine: Engine, settings: Settings) -> None:
    """Block and run the jobs until interrupted."""
    scheduler = build_scheduler(engine, settings)
    for job in scheduler.get_jobs():
        log.info("scheduled %s: %s", job.name, job.trigger)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
