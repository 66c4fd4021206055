"""Benchmark: the calls list filtered by "eligible for my organisation", in SQL.

The real recorded F&T records replicated to COUNT calls (as bench_ingest.py does), on SQLite
and on the PostgreSQL database at PG_URL (made empty by the caller). 20 searches each.
Run: .venv/bin/python bench/bench_eligible.py [COUNT] [PG_URL]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import replicated  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import utcnow  # noqa: E402
from tracker.search import CallQuery, Organisation, search_calls  # noqa: E402

TODAY = date(2026, 9, 1)


def measure(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        ingest(
            session, replicated(count), priority=["ft_search", "ft_bulk"], today=TODAY, now=utcnow()
        )
    who = Organisation("FI", "FI1C2", "sme_small")
    seconds = []
    with Session(engine) as session:
        for _ in range(20):
            started = time.perf_counter()
            page = search_calls(
                session, CallQuery(eligible_for=who, status="", page_size=25), TODAY
            )
            seconds.append(time.perf_counter() - started)
    print(f"{engine.dialect.name:10} {count} calls: {page.total} eligible, median "
          f"{statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")  # fmt: skip
    engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 14_460
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.db", count)
    if len(sys.argv) > 2:
        measure(sys.argv[2], count)


if __name__ == "__main__":
    main()
