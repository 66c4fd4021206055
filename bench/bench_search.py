"""Benchmark: the calls list searched by text, on SQLite (FTS5) and PostgreSQL (tsvector, GIN).

The real recorded F&T records replicated to COUNT calls (as bench_ingest.py does), ingested
(timed), every call's search terms rewritten as an ingest does (timed), then each query 20 times as the calls
page asks it (open or forthcoming calls, 25 a page), by deadline and by relevance; median and
max. PostgreSQL: a database made for the run on ADMIN_URL's server and dropped after it,
vacuumed and analysed after the ingest as its autovacuum would.
Run: .venv/bin/python bench/bench_search.py [COUNT] [ADMIN_URL]
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

from bench_dashboard import PG_ADMIN_URL, postgres  # noqa: E402
from bench_ingest import replicated, timed_ingest  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.models import Call  # noqa: E402
from tracker.search import CURRENT, CallQuery, search_calls  # noqa: E402
from tracker.search_index import refresh_search  # noqa: E402

TODAY = date(2026, 9, 1)
QUERIES = (  # found in 1 of the 15 recorded calls, or 3, or 8 (at any status)
    "zyxwvut",  # finds nothing (160 ms with LIKE at 14,460 calls)
    "kiertotalous",  # Finnish, searched in English too
    "tekoäly",  # Finnish, 8 of 15 at any status
    "digital skills",
    "european",
    "HORIZON-CL6-2027",  # the start of identifiers
)
TIMES = 20


def measure(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    seconds, _stats = timed_ingest(engine, replicated(count))
    name = engine.dialect.name
    with session_scope(engine) as session:  # what the terms cost of that ingest
        started = time.perf_counter()
        refresh_search(session, session.exec(select(Call.id)).all())
        terms = time.perf_counter() - started
    print(
        f"{name}: {count} calls ingested in {seconds:.1f} s; their terms rewritten in {terms:.1f} s"
    )
    if name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    with Session(engine) as session:
        for text in QUERIES:
            for sort in ("deadline", "relevance"):
                query = CallQuery(text=text, status=CURRENT, sort=sort, page_size=25)
                times = []
                for _ in range(TIMES):
                    started = time.perf_counter()
                    page = search_calls(session, query, TODAY)
                    times.append(time.perf_counter() - started)
                print(f"| {name} | `{text}` | {sort} | {page.total} | "
                      f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |")  # fmt: skip
    engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 14_460
    admin_url = sys.argv[2] if len(sys.argv) > 2 else PG_ADMIN_URL
    print("| engine | query | sort | found | median | max |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/bench.db", count)
    with postgres(admin_url) as url:
        measure(url, count)


if __name__ == "__main__":
    main()
