"""Benchmark: a call's page with its partner suggestions, and the staff overview with the
region's baseline, on the full CORDIS file (80,276 participations).

Data: the real recorded calls (`radar load-recordings`) and the CORDIS organisation and topic
files imported as `radar import-cordis --region FI1C2 --topics` does. Each page is requested
REQUESTS times in-process (Flask's test client: server time, no network), signed in.
Run: .venv/bin/python bench/bench_partners.py [POSTGRESQL_URL]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import select  # noqa: E402

from tests.webapp.conftest import PASSWORD, sign_in  # noqa: E402
from tracker.accounts import create_user  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.cordis import import_cordis  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.demo import CORDIS_ORGANISATIONS, CORDIS_TOPICS, REGION, load_recordings  # noqa: E402
from tracker.models import Actor, Call  # noqa: E402
from webapp import create_app  # noqa: E402

SHARED = ROOT.parent / "shared"
REQUESTS = 200
TOPICS = ("HORIZON-CL6-2027-01-BIODIV-07", "HORIZON-MSCA-2027-DN-01-01")  # 960 and 2,793 orgs
HAMK = "949666473"


def build(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    settings = load_settings(env={"RADAR_DATABASE_URL": url})
    load_recordings(engine, settings, SHARED)
    started = time.perf_counter()
    with session_scope(engine) as session:
        import_cordis(
            session,
            SHARED / CORDIS_ORGANISATIONS,
            region=REGION,
            topics=SHARED / CORDIS_TOPICS,
        )
        hamk = session.exec(select(Actor).where(Actor.pic == HAMK)).one()
        create_user(session, "staff@bench.example", "staff", password=PASSWORD)
        create_user(session, "member@bench.example", "member", actor_id=hamk.id, password=PASSWORD)
    print(f"  import-cordis: {time.perf_counter() - started:.1f} s")
    engine.dispose()


def timed(client, path: str) -> str:
    assert client.get(path).status_code == 200
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms"


def measure(url: str) -> None:
    print(url.split(":")[0])
    build(url)
    engine = make_engine(url)
    settings = load_settings(env={"RADAR_DATABASE_URL": url})
    app = create_app(settings, engine=engine)
    with session_scope(engine) as session:
        ids = {t: session.exec(select(Call.id).where(Call.identifier == t)).one() for t in TOPICS}
        hamk = session.exec(select(Actor.id).where(Actor.pic == HAMK)).one()
    member, staff = app.test_client(), app.test_client()
    sign_in(member, "member@bench.example")
    sign_in(staff, "staff@bench.example")
    for topic, call_id in ids.items():
        print(f"  {topic}, member: {timed(member, f'/calls/{call_id}')}")
        page = f"/calls/{call_id}?partners_for={hamk}"
        print(f"  {topic}, staff choosing HAMK: {timed(staff, page)}")
    print(f"  staff overview: {timed(staff, '/staff/')}")
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.db")
    if len(sys.argv) > 1:
        measure(sys.argv[1])


if __name__ == "__main__":
    main()
