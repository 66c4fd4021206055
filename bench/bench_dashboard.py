"""Benchmark: the regional dashboard and the applications table with filters under gunicorn.

Data: 10,000 calls (the real recorded F&T records replicated, as bench_web.py builds them),
1,000 actors and 5,000 applications to those calls (one in ten to a call typed in by hand)
at every stage, on SQLite and on PostgreSQL (a database made for the run at PG_ADMIN_URL's
server and dropped after it). Load: wrk with 8 connections, gunicorn with 2 workers.
Target: p95 <= 200 ms for each page on both engines.
Run: .venv/bin/python bench/bench_dashboard.py [SECONDS] [PG_ADMIN_URL]
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_web import add_actors, add_staff, measure, percentiles_script, store_calls  # noqa: E402
from sqlalchemy import create_engine, insert, make_url, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tests.live import gunicorn  # noqa: E402
from tracker.applications import STAGES  # noqa: E402
from tracker.dashboard import dashboard  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.models import Application, User  # noqa: E402

CALLS, ACTORS, APPLICATIONS = 10_000, 1_000, 5_000
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAGE_WEIGHTS = (10, 5, 20, 10, 2, 15, 12, 16, 10)  # idea ... withdrawn, as STAGES
HORIZON = "Horizon Europe (HORIZON)"
TYPED_PROGRAMMES = ("AKKE", "Interreg Europe", "Business Finland")
WARM_SECONDS = 30  # each worker fits the calls' match index at start: let it finish


def build(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        call_ids = store_calls(session, CALLS)
        actor_ids = add_actors(session, ACTORS)
        staff = add_staff(session)
        session.flush()
        session.exec(insert(Application), params=applications(call_ids, actor_ids, staff))
    engine.dispose()


def applications(call_ids: list[int], actor_ids: list[int], staff: User) -> list[dict]:
    """APPLICATIONS applications at random stages, started over 2025 and 2026."""
    rng = random.Random(11)
    rows = []
    for _ in range(APPLICATIONS):
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        started = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(700))
        requested = rng.randrange(50, 3_000) * 1_000
        typed = rng.random() < 0.1
        rows.append(
            {
                "actor_id": rng.choice(actor_ids),
                "call_id": None if typed else rng.choice(call_ids),
                "call_title": "Kanta-Hämeen maakuntaohjelma" if typed else None,
                "call_programme": rng.choice(TYPED_PROGRAMMES) if typed else None,
                "call_deadline": started.date() + timedelta(days=rng.randrange(30, 200))
                if typed
                else None,
                "role": rng.choice(("coordinator", "partner")),
                "partners": [],
                "links": [],
                "staff_id": staff.id if rng.random() < 0.5 else None,
                "requested_eur": requested,
                "granted_eur": requested * 9 // 10 if stage == "granted" else None,
                "stage": stage,
                "created_at": started,
                "updated_at": started,
            }
        )
    return rows


@contextmanager
def postgres(admin_url: str) -> Iterator[str]:
    """An empty PostgreSQL database for the run; dropped after it."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"radar_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def computed(url: str, day: date, times: int = 20) -> str:
    """The median and slowest time of tracker.dashboard.dashboard itself: what the first
    request after a change waits for beyond the page."""
    engine = make_engine(url)
    spent = []
    with Session(engine) as session:
        for _ in range(times):
            started = time.perf_counter()
            dashboard(session, day)
            spent.append(time.perf_counter() - started)
    engine.dispose()
    return f"median {statistics.median(spent) * 1000:.0f} ms, max {max(spent) * 1000:.0f} ms"


def run(url: str, seconds: int, lua: Path) -> None:
    started = time.perf_counter()
    build(url)
    print(f"{make_url(url).get_backend_name()}: {CALLS} calls, {ACTORS} actors, "
          f"{APPLICATIONS} applications ({time.perf_counter() - started:.0f} s to build)")  # fmt: skip
    today = date.today()
    print(f"figures computed again (after a change), in-process: {computed(url, today)}")
    month = {"deadline_from": today, "deadline_to": today + timedelta(days=30)}
    with gunicorn(url, workers=2) as base:
        time.sleep(WARM_SECONDS)
        pages = {
            "dashboard": f"{base}/staff/dashboard/",
            "applications, programme + stage": f"{base}/applications/?"
            + urlencode({"programme": HORIZON, "stage": "preparing"}),
            "applications, deadline in 30 days": f"{base}/applications/?" + urlencode(month),
            "applications, organisation": f"{base}/applications/?actor_id=500",
        }
        print(f"load average before: {' '.join(map(str, os.getloadavg()))}")
        measure(base, pages, seconds, lua)
        print(f"load average after: {' '.join(map(str, os.getloadavg()))}")


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    admin_url = sys.argv[2] if len(sys.argv) > 2 else PG_ADMIN_URL
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        lua = percentiles_script(tmp)
        run(f"sqlite:///{tmp}/bench.db", seconds, lua)
        with postgres(admin_url) as url:
            run(url, seconds, lua)


if __name__ == "__main__":
    main()
