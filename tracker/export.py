"""Calls written out as CSV or JSON."""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import TextIO

from sqlmodel import Session

from tracker.queries import SUMMARY_FIELDS, call_summary, calls


def export_calls(session: Session, out: TextIO, fmt: str, today: date, min_days: int) -> int:
    """Write every stored call to `out`, deadlines as a new applicant needing `min_days` sees them."""
    rows = [call_summary(call, today, min_days) for call in calls(session, today)]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=SUMMARY_FIELDS)
        writer.writeheader()
        for row in rows:
            cells = {**row, "deadlines": "; ".join(row["deadlines"])}
            writer.writerow({k: spreadsheet_safe(v) for k, v in cells.items()})
    return len(rows)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, quoted so it stays text (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
