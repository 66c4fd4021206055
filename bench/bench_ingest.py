"""Benchmark: ingest 10,000 call records into SQLite, then the same records unchanged.

The records are the real recorded F&T records of ../shared/fixtures, replicated under
distinct identifiers. Targets (2-core machine): first ingest <= 15 s, unchanged <= 3 s.
Run: .venv/bin/python bench/bench_ingest.py [COUNT]
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.tracker.helpers import bulk_records, sedia_records  # noqa: E402
from tracker.db import make_engine, migrate, session_scope  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import utcnow  # noqa: E402


def replicated(count: int, base: list | None = None):
    """`count` real records (of `base`, the F&T records by default), each copy under its own
    identifier and source key."""
    base = base or sedia_records() + bulk_records()
    for i in range(count):
        record = base[i % len(base)]
        suffix = f"-R{i // len(base):05d}"
        yield dataclasses.replace(
            record, identifier=record.identifier + suffix, source_key=record.source_key + suffix
        )


def timed_ingest(engine, records) -> tuple[float, object]:
    start = time.perf_counter()
    with session_scope(engine) as session:
        stats = ingest(
            session,
            records,
            priority=["ft_search", "ft_bulk"],
            today=date(2026, 9, 1),
            now=utcnow(),
        )
    return time.perf_counter() - start, stats


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    records = list(replicated(count))
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        first, stats1 = timed_ingest(engine, records)
        again, stats2 = timed_ingest(engine, records)
    print(f"records: {count}")
    print(f"first ingest:     {first:6.2f} s  ({stats1})")
    print(f"unchanged ingest: {again:6.2f} s  ({stats2})")


if __name__ == "__main__":
    main()
