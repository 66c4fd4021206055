"""Benchmark: parse and ingest every recorded fixture of every source into a fresh SQLite file.

Reports the time to parse, the time to ingest (with duplicate detection), and the count of
calls per source and after merging. Run: .venv/bin/python bench/bench_fixtures.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import func, select  # noqa: E402

from scrapers import SOURCES  # noqa: E402
from tests.tracker.test_all_sources import all_records  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.duplicates import find_candidates  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import Call, CallSource, utcnow  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    records = all_records()
    parsed = time.perf_counter() - start
    per_source = Counter(record.source for record in records)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        start = time.perf_counter()
        with session_scope(engine) as session:
            stats = ingest(
                session,
                records,
                priority=[s.name for s in SOURCES],
                today=date(2026, 9, 1),
                now=utcnow(),
            )
            likely = find_candidates(session, stats.call_ids)
        ingested = time.perf_counter() - start
        with session_scope(engine) as session:
            calls = session.exec(select(func.count()).select_from(Call)).one()
            links = Counter(len(s) for s in _sources_per_call(session).values())
    print(f"parse all fixtures:  {parsed:6.2f} s  ({len(records)} records)")
    print(
        f"ingest + duplicates: {ingested:6.2f} s  ({stats.new} calls, {len(likely)} likely duplicates)"
    )
    for source, count in sorted(per_source.items()):
        print(f"  {source:16} {count:5} records")
    print(
        f"merged calls: {calls}; calls with 2 sources: {links[2]}, with 3+: {sum(v for k, v in links.items() if k > 2)}"
    )


def _sources_per_call(session) -> dict[int, set[str]]:
    grouped: dict[int, set[str]] = {}
    for call_id, source in session.exec(select(CallSource.call_id, CallSource.source)):
        grouped.setdefault(call_id, set()).add(source)
    return grouped


if __name__ == "__main__":
    main()
