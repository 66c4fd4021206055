"""Benchmark: how long web writes wait while a source run stores 10,000 records.

gunicorn with 4 workers serves the app; `radar ingest ft_bulk` stores 10,000 real reference-file
records (replicated under new identifiers) in its own process; meanwhile a member posts feedback
and a language switch and a visitor signs in, one after another. Reported per kind of write: how
many, how many failed, and p50 / p95 / max seconds; on SQLite and on PostgreSQL.
Target (issue 9): no failure, and no write waits much more than a second.
Run: .venv/bin/python bench/bench_writes_during_ingest.py [RECORDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from tests.live import Writes, gunicorn, radar, replicated_bulk_file, signed_in  # noqa: E402
from tests.webapp.conftest import store_calls  # noqa: E402
from tracker.accounts import create_user  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.db import make_engine, migrate  # noqa: E402
from tracker.matching import rescore_actor  # noqa: E402
from tracker.models import Actor, Match, utcnow  # noqa: E402

PASSWORD = "correct horse battery"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def prepare(url: str) -> int:
    """Real calls, a Häme company with its matches, its member and a staff member."""
    engine = make_engine(url)
    migrate(engine)
    settings = load_settings(env={})
    with Session(engine, expire_on_commit=False) as session:
        store_calls(session)
        kone = Actor(name="Hämeen Kone Oy", organisation_type="small", municipality="Hämeenlinna",
                     keywords=["digital skills", "semiconductors"],
                     description="Digital skills, chips and internships for students.")  # fmt: skip
        session.add(kone)
        session.flush()
        create_user(session, "member@kone.example", "member", actor_id=kone.id, password=PASSWORD)
        create_user(session, "staff@hameenliitto.example", "staff", password=PASSWORD)
        session.commit()
        rescore_actor(session, settings, kone.id, date.today(), utcnow())
        session.commit()
        actor_id = int(kone.id)
    engine.dispose()
    return actor_id


def best_match(engine, actor_id: int) -> int | None:
    with Session(engine) as session:
        query = select(Match.call_id).where(Match.actor_id == actor_id)
        return session.exec(query.order_by(Match.score.desc())).first()


def measure(url: str, records: int, tmp: Path) -> None:
    actor_id = prepare(url)
    engine = make_engine(url)
    bulk = replicated_bulk_file(tmp / "grantsTenders.json", records)
    with gunicorn(url, workers=4) as base:
        member = signed_in(base, "member@kone.example", PASSWORD)
        writes = Writes(base, member, actor_id, PASSWORD, "staff@hameenliitto.example")
        started = time.perf_counter()
        run = radar(url, "ingest", "ft_bulk", str(bulk), log=tmp / "ingest.log")
        n = 0
        while run.poll() is None:
            writes.round(best_match(engine, actor_id), n)
            n += 1
        took = time.perf_counter() - started
    engine.dispose()
    print(f"  ingest of {records} records: {took:.1f} s, exit {run.returncode}")
    for kind, seconds in writes.seconds.items():
        failed = sum(1 for s in writes.statuses[kind] if s not in (302, 404))
        ordered = sorted(seconds)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        print(f"  {kind:9} {len(seconds):4} posts, {failed} failed, p50 "
              f"{statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s")  # fmt: skip


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        measure(f"sqlite:///{tmp}/bench.db", records, Path(tmp))
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"radar_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print("PostgreSQL")
            measure(
                make_url(PG_ADMIN).set(database=name).render_as_string(False), records, Path(tmp)
            )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
