"""Benchmark at the service's expected size: 50,000 calls, 5,000 actors, 500,000 matches, on
SQLite or PostgreSQL (issue 13).

1. First ingest of 50,000 records through the production run (batches, theme tags, search
   terms), then the same records again, unchanged. The records are every real recorded
   response of the seven sources (`tests.tracker.test_all_sources.all_records`), replicated
   under new identifiers.
2. 5,000 actors with the cold-start profiles of ../shared/bench/matching (read in place) and
   100 matches each.
3. PostgreSQL vacuumed and analysed, as its autovacuum would be by then, and checkpointed.
4. wrk with 8 connections against gunicorn with 2 workers, once they have built their match
   index (`--warm-up`, about 7 s of CPU a worker at 50,000 calls): the calls list with a text query
   and two filters (by deadline and by relevance) and its other variants (the filters without
   text, the text alone, an identifier's start, none: the page as it opens; newest first, a
   month's deadlines, any status), an actor's matches page and a call's page;
   p95 target 100 ms.
5. The first re-score, which tags every call again (no fingerprint of the themes yet), then the
   nightly re-score alone, then again while wrk loads the matches page in windows of 5 s (the
   first DURING_WINDOWS of the run) (`radar match` in a child process at the scheduler's
   priority: wall time, CPU time and peak memory).

Run: .venv/bin/python bench/bench_scale.py sqlite|postgresql [--calls N] [--actors N] [--seconds S]
Only the pages again, on the PostgreSQL database a run left: ... postgresql --pages-only [--seconds S]
PostgreSQL: the server of RADAR_BENCH_PG (default postgresql+psycopg://postgres@127.0.0.1:5432),
in a database (--database, default radar_bench) that is dropped and made again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import replicated  # noqa: E402
from bench_web import add_staff, load, measure, percentiles_script  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from matcher.profile import ORG_TYPES  # noqa: E402
from tests.live import BIN, environment, gunicorn  # noqa: E402
from tests.tracker.test_all_sources import all_records  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.jobs import ingest_records  # noqa: E402
from tracker.models import Actor, Call, Match, utcnow  # noqa: E402
from tracker.scheduler import yield_cpu  # noqa: E402

SHARED = Path(os.environ.get("RADAR_SHARED", ROOT.parent / "shared"))
TODAY = date(2026, 9, 1)  # the day of the recorded responses: their calls are open
THEMES = ("circular_economy", "food_system", "smart_services", "design")  # config.toml's
PROGRAMME = "Horizon Europe (HORIZON)"
# wrk's windows of 5 s during the re-score, at most: in SCHED_IDLE the re-score waits for what
# wrk's load leaves (14 minutes instead of 34 s), and then finishes alone.
DURING_WINDOWS = 24
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def database(engine_name: str, tmp: str, name: str) -> str:
    """A fresh empty database's URL (PostgreSQL: database `name`)."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp}/bench.db"
    server = os.environ.get("RADAR_BENCH_PG", SERVER)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def timed_ingest(url: str, records: list) -> str:
    """The production ingest of `records` (already parsed: the sources' own parsing is not
    the ingest's time), its wall and CPU time."""
    settings = load_settings()
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    run = ingest_records(engine, settings, "bench", iter(records), today=TODAY)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert run.ok, run.message
    return (f"{took:6.1f} s, {cpu:.1f} s CPU of this process"
            f" ({run.new} new, {run.changed} changed, {run.unchanged} unchanged)")  # fmt: skip


def add_actors(url: str, count: int, per_actor: int) -> list[int]:
    """`count` actors with the cold-start cases' descriptions and keywords, `per_actor`
    matches each over random calls, and the staff user; the calls' ids."""
    cases = json.loads((SHARED / "bench/matching/coldstart_dev.json").read_text(encoding="utf-8"))
    rng = random.Random(13)
    now = utcnow()
    engine = make_engine(url)
    with session_scope(engine) as session:
        actors = [{"name": f"{case['org_name']} {i:04d}", "nuts3": "FI1C2", "country": "FI",
                   "organisation_type": rng.choice(ORG_TYPES), "description": case["description"],
                   "keywords": case["keywords"], "themes": rng.sample(THEMES, rng.randint(0, 2)),
                   "industry_codes": [], "programmes": [], "contacts": [], "preferred_role": "either",
                   "profile_hash": "", "created_at": now, "updated_at": now}
                  for i in range(count) for case in [cases[i % len(cases)]]]  # fmt: skip
        session.exec(insert(Actor), params=actors)
        actor_ids = list(session.exec(select(Actor.id)))
        call_ids = list(session.exec(select(Call.id)))
        add_staff(session)
    for start in range(0, len(actor_ids), 200):
        with session_scope(engine) as session:
            rows = [{"actor_id": a, "call_id": c, "score": rng.uniform(20, 95),
                     "components": {"text": 0.5, "themes": 0.3},
                     "evidence": {"points": {"text": 35.0, "theme": 15.0}}, "call_hash": "",
                     "computed_at": now}
                    for a in actor_ids[start : start + 200] for c in rng.sample(call_ids, per_actor)]  # fmt: skip
            session.exec(insert(Match), params=rows)
    engine.dispose()
    return call_ids


def rescore(
    url: str, what: str, page: str | None = None, cookie: str = "", lua: Path | None = None
) -> None:
    """`radar match` on the bench's day in a child process at the scheduler's priority: its
    wall time, CPU time and peak memory, and with `page`, wrk's load on that page in windows
    of 5 s while it runs."""
    settings = load_settings()
    command = [str(BIN / "radar"), "match", "--today", TODAY.isoformat()]
    started = time.perf_counter()
    child = subprocess.Popen(  # as the scheduler's process runs it
        command, cwd=ROOT, env=environment(url), preexec_fn=lambda: yield_cpu(settings)
    )
    ended: dict[str, Any] = {}

    def reap() -> None:  # the child's own end and usage, whatever wrk is doing
        ended["wait"], ended["at"] = os.wait4(child.pid, 0), time.perf_counter()

    reaper = threading.Thread(target=reap)
    reaper.start()
    windows = []
    while reaper.is_alive():
        if page and lua and len(windows) < DURING_WINDOWS:
            windows.append(load(page, 5, cookie, lua))
        else:
            reaper.join(0.2)
    reaper.join()
    _, status, usage = ended["wait"]
    child.returncode = os.waitstatus_to_exitcode(status)
    print(f"{what}: {ended['at'] - started:.1f} s, {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, exit {child.returncode}")  # fmt: skip
    for window in windows:
        print(f"  matches page during the re-score: {window}")


def analysed(url: str) -> None:
    """PostgreSQL's statistics of the new rows, as its autovacuum gathers them within a minute
    of a large ingest (the bench's server may run without it), and the set-up's writes flushed
    to disk (a checkpoint), so that its checkpoints do not fall within the pages' measures."""
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))  # the bench's server role is a superuser
        engine.dispose()


def counts(url: str) -> str:
    engine = make_engine(url)
    with session_scope(engine) as session:
        calls = session.exec(select(func.count()).select_from(Call)).one()
        matches = session.exec(select(func.count()).select_from(Match)).one()
    engine.dispose()
    return f"{calls} calls, {matches} matches"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("engine", choices=["sqlite", "postgresql"])
    parser.add_argument("--calls", type=int, default=50_000, help="records ingested")
    parser.add_argument("--actors", type=int, default=5_000)
    parser.add_argument("--per-actor", type=int, default=100, help="matches stored per actor")
    parser.add_argument("--seconds", type=int, default=20, help="wrk's time per page")
    parser.add_argument("--warm-up", type=int, default=20,
                        help="seconds the workers are given to build their match index")  # fmt: skip
    parser.add_argument("--database", default="radar_bench", help="PostgreSQL database's name")
    parser.add_argument("--pages-only", action="store_true",
                        help="PostgreSQL: only the pages, on the database an earlier run left")  # fmt: skip
    args = parser.parse_args()
    if args.pages_only and args.engine != "postgresql":
        parser.error("--pages-only measures the PostgreSQL database an earlier run left")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.pages_only:
            url = f"{os.environ.get('RADAR_BENCH_PG', SERVER)}/{args.database}"
            engine = make_engine(url)
            with session_scope(engine) as session:
                call_ids = list(session.exec(select(Call.id).order_by(Call.id)))
            engine.dispose()
            measure_pages(url, tmp, args, call_ids)
            return
        url = database(args.engine, tmp, args.database)
        migrate(make_engine(url))
        started = time.perf_counter()
        records = list(replicated(args.calls, all_records()))
        print(
            f"{args.calls} records parsed and replicated in {time.perf_counter() - started:.1f} s"
        )
        print(f"first ingest of {args.calls} records: {timed_ingest(url, records)}")
        print(f"unchanged re-ingest:               {timed_ingest(url, records)}")
        del records
        started = time.perf_counter()
        call_ids = add_actors(url, args.actors, args.per_actor)
        print(f"{args.actors} actors and their matches stored in {time.perf_counter() - started:.0f} s;"
              f" {counts(url)}")  # fmt: skip
        analysed(url)
        measure_pages(url, tmp, args, call_ids, rescores=True)
        print(f"after the re-score: {counts(url)}")


def measure_pages(
    url: str, tmp: str, args: Any, call_ids: list[int], rescores: bool = False
) -> None:
    """The pages under wrk's load on gunicorn with 2 workers; with `rescores`, then the
    re-scores, the last one under load."""
    lua = percentiles_script(tmp)
    with gunicorn(url, workers=2) as base:
        time.sleep(args.warm_up)  # each worker builds its match index first (create_app)
        filters = f"status=open&programme={quote(PROGRAMME)}"
        # The month that begins some 90 days after the served app's today, the real one.
        start = (date.today() + timedelta(days=90)).replace(day=1)
        end = (start + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        month = f"deadline_from={start}&deadline_to={end}"
        pages = {
            "calls, text + status + programme": f"{base}/?q=kiertotalous&{filters}",
            "calls, the same by relevance": f"{base}/?q=kiertotalous&{filters}&sort=relevance",
            "calls, status + programme, no text": f"{base}/?{filters}",
            "calls, text by deadline": f"{base}/?q=kiertotalous",
            "calls, identifier prefix": f"{base}/?q=HORIZON-CL6-2027",
            "calls as the page opens": f"{base}/",
            "calls, newest first": f"{base}/?sort=newest",
            "calls, deadlines in a month": f"{base}/?{month}",
            "calls of any status": f"{base}/?status=",
            "matches of an actor": f"{base}/actors/{args.actors // 2}/matches",
            "a call's page": f"{base}/calls/{call_ids[len(call_ids) // 2]}",
        }  # fmt: skip
        cookie = measure(base, pages, args.seconds, lua)
        if rescores:
            rescore(url, "first re-score (every call tagged again: no themes fingerprint yet)")
            rescore(url, "nightly re-score")
            rescore(url, "nightly re-score under wrk", pages["matches of an actor"], cookie, lua)


if __name__ == "__main__":
    main()
