"""Benchmark: stream a grantsTenders-sized file through FtBulk.parse; report speed and peak memory.

Builds a file of about --size-mb MB in a temporary directory by repeating the real records of
the grantsTenders excerpt under distinct identifiers, then parses it in a fresh child process
so that the child's peak RSS is the parser's alone.

    .venv/bin/python bench/bench_stream_bulk.py [--size-mb 130]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = (
    ROOT.parent / "shared" / "fixtures" / "grants_tenders" / "grantsTenders_excerpt_7records.json"
)


def build(target: Path, size_mb: float) -> int:
    """Write the file record by record (never held whole); returns the number of records."""
    records = json.loads(EXCERPT.read_bytes())["fundingData"]["GrantTenderObj"]
    limit, count = size_mb * 1_000_000, 0
    with target.open("w", encoding="utf-8") as out:
        out.write('{\n "fundingData": {\n  "GrantTenderObj": [\n')
        while out.tell() < limit:
            for record in records:
                copy = dict(record, identifier=f"{record['identifier']}-B{count}")
                out.write(",\n" if count else "")
                out.write(json.dumps(copy, ensure_ascii=False, indent=1))
                count += 1
        out.write("\n  ]\n }\n}\n")
    return count


def parse(path: Path) -> None:
    """Child process: parse the file, print records, seconds and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from scrapers.base import Page
    from scrapers.ft_bulk import FtBulk, FtBulkSettings

    source = FtBulk(FtBulkSettings())
    started = time.perf_counter()
    count = sum(1 for _ in source.parse(Page("ft_bulk", path.as_uri(), path)))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"records": count, "seconds": seconds, "peak_mib": peak_kib / 1024}))


def main() -> None:
    """Build the file, parse it in a child process and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=130.0)
    parser.add_argument("--parse", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse:
        parse(args.parse)
        return
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as folder:
        path = Path(folder) / "grantsTenders.json"
        written = build(path, args.size_mb)
        size_mb = path.stat().st_size / 1_000_000
        child = subprocess.run(
            [sys.executable, __file__, "--parse", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout)
    print(
        f"file: {size_mb:.1f} MB, {written} records ({result['records']} calls after dropping tenders)"
    )
    print(
        f"parse: {result['seconds']:.2f} s, {result['records'] / result['seconds']:,.0f} records/s, {size_mb / result['seconds']:.1f} MB/s"
    )
    print(f"peak RSS of the parsing process: {result['peak_mib']:.1f} MiB (target < 150 MB)")


if __name__ == "__main__":
    main()
