"""Run the matching benchmark and print its metrics as JSON and as a Markdown table.

Run: .venv/bin/python bench/bench_eval.py [CASES] [TOPICS] [--no-history]
Defaults read ../shared/bench/matching in place (RADAR_SHARED overrides).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from matcher.evaluation import METRICS, evaluate

SHARED = Path(os.environ.get("RADAR_SHARED", Path(__file__).resolve().parents[2] / "shared"))
BENCH = SHARED / "bench" / "matching"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="?", type=Path, default=BENCH / "dev_cases.json")
    parser.add_argument("topics", nargs="?", type=Path, default=BENCH / "topics.json")
    parser.add_argument("--no-history", action="store_true", help="no CORDIS 2021-2022 priors")
    args = parser.parse_args()
    start = time.perf_counter()
    result = evaluate(args.cases, args.topics, history=not args.no_history)
    print(json.dumps(result, indent=1))
    print(f"\n({time.perf_counter() - start:.1f} s)\n")
    print("| view | cases | " + " | ".join(METRICS) + " |")
    print("|---|---|" + "---|" * len(METRICS))
    for view in ("all", "thematic"):
        row = result[view]
        print(f"| {view} | {row['cases']} | " + " | ".join(f"{row[m]:.3f}" for m in METRICS) + " |")


if __name__ == "__main__":
    main()
