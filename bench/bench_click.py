"""Benchmark: a feedback click and a profile save re-score one actor against 5,000 calls.

Data: the 723 real grants of the eu-grants-feed snapshot of 2026-08-22, replicated under new
identifiers to 5,000 calls, in SQLite and in PostgreSQL. The calls' match index is fitted once
(as a served app does at start, `webapp.create_app(..., warm=True)`) and kept; each click is
`tracker.matching.record_feedback` (store the mark, re-score the actor, store its matches,
commit), each save `tracker.matching.rescore_actor` after a profile change, as the pages do.
Target: median <= 100 ms.
Run: .venv/bin/python bench/bench_click.py [CALLS]   (RADAR_BENCH_PG_URL: PostgreSQL server)
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.tracker.helpers import feed_records  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.db import make_engine, migrate  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.match_index import INDEXES  # noqa: E402
from tracker.matching import record_feedback, rescore_actor  # noqa: E402
from tracker.models import Actor, Match  # noqa: E402

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
PG = os.environ.get("RADAR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def replicated(count: int):
    base = feed_records()
    for i in range(count):
        record = base[i % len(base)]
        suffix = "" if i < len(base) else f"-R{i // len(base):03d}"
        yield dataclasses.replace(
            record, identifier=record.identifier + suffix, source_key=record.source_key + suffix
        )


def run(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    settings = load_settings(env={})
    with Session(engine) as session:
        ingest(session, replicated(count), priority=["eu_grants_feed"], today=TODAY, now=NOW)
        actor = Actor(
            name="Forssan Biokierto Oy",
            organisation_type="small",
            municipality="Forssa",
            description="Jalostamme elintarviketeollisuuden sivuvirroista biokaasua ja "
            "kierrätyslannoitteita. Kehitämme kiertotalouden ratkaisuja.",
            keywords=["biokaasu", "ravinteiden kierrätys"],
        )
        session.add(actor)
        session.commit()
        start = time.perf_counter()
        INDEXES.calls(session, settings, TODAY)
        print(f"  fit of the kept index ({count} calls): {time.perf_counter() - start:.2f} s")
        rescore_actor(session, settings, actor.id, TODAY, NOW)
        session.commit()
        clicks = []
        for i in range(20):
            best = session.exec(
                select(Match).where(Match.actor_id == actor.id).order_by(Match.score.desc())
            ).first()
            assert best is not None
            verdict = "relevant" if i % 2 else "not_relevant"
            start = time.perf_counter()
            record_feedback(
                session,
                settings,
                actor_id=actor.id,
                call_id=best.call_id,
                verdict=verdict,
                reason="topic" if verdict == "not_relevant" else None,
                user_id=None,
                today=TODAY,
                now=NOW,
            )
            session.commit()
            clicks.append(time.perf_counter() - start)
        saves = []
        for i in range(20):
            actor.keywords = ["biokaasu", "ravinteiden kierrätys", f"teema {i}"]
            session.add(actor)
            start = time.perf_counter()
            session.commit()
            rescore_actor(session, settings, actor.id, TODAY, NOW)
            session.commit()
            saves.append(time.perf_counter() - start)
    fits = INDEXES.fits
    print(f"  feedback click: median {statistics.median(clicks) * 1000:.0f} ms", end="")
    print(f", max {max(clicks) * 1000:.0f} ms")
    print(f"  profile save:   median {statistics.median(saves) * 1000:.0f} ms", end="")
    print(f", max {max(saves) * 1000:.0f} ms; text models fitted in all: {fits}")
    INDEXES.clear()
    engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        run(f"sqlite:///{tmp}/click.db", count)
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"radar_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        print("PostgreSQL")
        run(admin.url.set(database=name).render_as_string(hide_password=False), count)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
