import logging
import threading
import time
from datetime import date

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from scrapers.http import HttpClient, HttpSettings
from tests.conftest import FIXTURES
from tests.replay import Reply
from tests.tracker.helpers import FEED_FILE
from tracker.jobs import ingest_files, last_runs, mark_interrupted, scrape
from tracker.locks import ProcessLock
from tracker.models import Call, JobRun, SourceState, utcnow
from tracker.scheduler import build_scheduler

OPEN_PAGE = FIXTURES / "sedia" / "search_open_reduced-fields.json"
BULK = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"
TODAY = date(2026, 9, 1)


@pytest.fixture
def wired(settings, replay_server):
    """Settings whose F&T sources point at the local replay server."""
    settings.sources["ft_search"].url = replay_server.url("/search")
    settings.sources["ft_bulk"].url = replay_server.url("/grantsTenders.json")
    for name, source in settings.sources.items():
        source.pause_seconds = 0.0
        source.enabled = name in ("ft_search", "ft_bulk")  # the others would go to the internet
    settings.http = HttpSettings(timeout_seconds=5, retries=2, backoff_seconds=0.01)
    return settings


def identifiers(engine):
    with Session(engine) as session:
        return sorted(session.exec(select(Call.identifier)).all())


def test_scrape_stores_calls_and_records_the_run(engine, wired, replay_server):
    replay_server.add("POST", "/search", Reply(OPEN_PAGE))
    run = scrape(engine, wired, "ft_search", http=HttpClient(wired.http), today=TODAY)
    assert run.ok, run.message
    assert (run.fetched, run.new, run.changed, run.unchanged, run.errors) == (4, 4, 0, 0, 0)
    assert identifiers(engine) == [
        "HORIZON-CL5-2026-09-D4-03",
        "HORIZON-CL5-2026-09-D4-08",
        "HORIZON-JU-CBE-2026-IA-05",
        "HORIZON-JU-CBE-2026-IAFlag-02",
    ]
    assert last_runs(engine)["ft_search"].id == run.id


def test_malformed_response_fails_that_source_only(engine, wired, replay_server):
    replay_server.add("POST", "/search", Reply(OPEN_PAGE), Reply(b"<html>maintenance</html>"))
    replay_server.add("GET", "/grantsTenders.json", Reply(BULK))
    http = HttpClient(wired.http)
    assert scrape(engine, wired, "ft_search", http=http, today=TODAY).ok
    before = identifiers(engine)
    failed = scrape(engine, wired, "ft_search", http=http, today=TODAY)
    assert not failed.ok and failed.errors == 1
    assert failed.message.startswith("ft_search: ")
    assert "JSON" in failed.message
    assert identifiers(engine) == before
    bulk = scrape(engine, wired, "ft_bulk", http=http, today=TODAY)
    assert bulk.ok and bulk.new == 6
    with Session(engine) as session:
        runs = session.exec(select(JobRun).order_by(JobRun.id)).all()
    assert [(r.source, r.ok) for r in runs] == [
        ("ft_search", True),
        ("ft_search", False),
        ("ft_bulk", True),
    ]


def test_a_bad_page_after_many_good_records_stores_nothing(engine, settings, tmp_path):
    """Records are stored a batch per transaction, yet only after every page has been read."""
    broken = tmp_path / "page2.json"
    broken.write_text("<html>maintenance</html>", encoding="utf-8")
    run = ingest_files(engine, settings, "eu_grants_feed", [FEED_FILE, broken], today=TODAY)
    assert not run.ok and "JSON" in run.message
    assert identifiers(engine) == []
    assert ingest_files(engine, settings, "eu_grants_feed", [FEED_FILE], today=TODAY).new > 500


def test_bulk_file_not_modified_is_not_fetched_again(engine, wired, replay_server):
    headers = {"ETag": '"v1"', "Last-Modified": "Sat, 21 Nov 2026 04:00:00 GMT"}
    replay_server.add("GET", "/grantsTenders.json", Reply(BULK, headers=headers), Reply(status=304))
    http = HttpClient(wired.http)
    first = scrape(engine, wired, "ft_bulk", http=http, today=TODAY)
    second = scrape(engine, wired, "ft_bulk", http=http, today=TODAY)
    assert first.ok and first.new == 6
    assert second.ok and second.fetched == 0 and second.message == "not modified since the last run"
    assert replay_server.received[1].headers["if-none-match"] == '"v1"'
    with Session(engine) as session:
        assert session.get(SourceState, "ft_bulk").data["etag"] == '"v1"'


def test_scheduler_runs_each_source_one_at_a_time_and_a_failure_stops_no_other(
    engine, wired, replay_server
):
    replay_server.add("POST", "/search", Reply(b'{"unexpected": true}'))
    replay_server.add("GET", "/grantsTenders.json", Reply(BULK))
    wired.scheduler.stagger_seconds = 0  # both due at once: the single worker must queue them
    scheduler = build_scheduler(engine, wired, BackgroundScheduler(timezone="Europe/Helsinki"))
    jobs = {job.id: job.trigger for job in scheduler.get_jobs()}
    assert jobs["scrape:ft_search"].interval.total_seconds() == 360 * 60
    assert jobs["scrape:ft_bulk"].interval.total_seconds() == 1440 * 60
    assert str(jobs["match"]) == "cron[hour='4', minute='30']"
    assert jobs["send-mail"].interval.total_seconds() == 10 * 60
    assert str(jobs["clean_subscriptions"]) == "cron[hour='7', minute='0']"
    assert set(jobs) == {
        "scrape:ft_search", "scrape:ft_bulk", "match", "send-mail", "clean_subscriptions",
    }  # fmt: skip
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(_finished(engine)) < 2:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    runs = {run.source: run for run in _finished(engine)}
    assert not runs["ft_search"].ok and "ft_search" in runs["ft_search"].message
    assert runs["ft_bulk"].ok and runs["ft_bulk"].new == 6
    first, second = sorted(runs.values(), key=lambda run: run.started_at)
    assert second.started_at >= first.finished_at  # never two writers at once


def test_the_scheduler_lent_the_digests_words_sends_them_daily_at_the_send_time(engine, wired):
    words = object()  # what `radar scheduler` lends: webapp.digest_mail.DigestMail
    reminders = object()  # and webapp.reminder_mail.ReminderMail
    wired.reminders.send_at = "08:15"
    scheduler = build_scheduler(
        engine,
        wired,
        BackgroundScheduler(timezone="Europe/Helsinki"),
        digests=words,
        reminders=reminders,
    )
    job = scheduler.get_job("send_digests")
    assert str(job.trigger) == "cron[hour='7', minute='0']" and job.args[2] is words
    job = scheduler.get_job("send_reminders")
    assert str(job.trigger) == "cron[hour='8', minute='15']" and job.args[2] is reminders


def test_first_runs_at_start_are_staggered(engine, wired):
    scheduler = build_scheduler(engine, wired, BackgroundScheduler(timezone="Europe/Helsinki"))
    scrapes = [job for job in scheduler.get_jobs() if job.id.startswith("scrape:")]
    starts = sorted(job.next_run_time for job in scrapes)
    assert (starts[1] - starts[0]).total_seconds() == wired.scheduler.stagger_seconds == 60


def test_one_scheduler_per_database(engine):
    first, second = ProcessLock(engine, "scheduler"), ProcessLock(engine, "scheduler")
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_runs_a_killed_process_left_running_are_marked_interrupted(engine):
    with Session(engine) as session:
        session.add(JobRun(job="scrape", source="ft_bulk", started_at=utcnow()))
        session.commit()
    assert mark_interrupted(engine) == 1
    run = last_runs(engine)["ft_bulk"]
    assert run.finished_at is not None and not run.ok and run.message.startswith("interrupted")
    assert mark_interrupted(engine) == 0


def _finished(engine):
    with Session(engine) as session:
        query = select(JobRun).where(JobRun.finished_at.is_not(None), JobRun.job == "scrape")
        return session.exec(query).all()


def test_a_run_waits_while_another_process_stores_and_says_so(engine, settings, caplog):
    other = ProcessLock(engine, "store")  # as a `radar ingest` or the scheduler in another process
    assert other.acquire()
    done = []
    second = threading.Thread(
        target=lambda: done.append(ingest_files(engine, settings, "ft_bulk", [BULK], today=TODAY))
    )
    with caplog.at_level(logging.WARNING):
        second.start()
        second.join(timeout=2)
        assert second.is_alive() and not done, "the second run waits"
        with Session(engine) as session:
            assert session.exec(select(JobRun)).all() == [] and identifiers(engine) == []
        assert "ingest ft_bulk waits: another process is storing calls or matches" in caplog.text
        # A run left "running" is only marked interrupted once no process stores anything.
        marking = threading.Thread(target=mark_interrupted, args=(engine,))
        marking.start()
        other.release()
        second.join(timeout=60)
        marking.join(timeout=60)
    assert done and done[0].ok and done[0].new == 6
    assert last_runs(engine)["ft_bulk"].ok  # the second run was never taken for a stale one
