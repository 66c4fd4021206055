"""Calls written out as CSV, JSON or an Excel workbook (xlsx)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlmodel import Session

from scrapers.record import Deadline
from tracker.queries import SUMMARY_FIELDS, call_row, call_summary, calls

FORMATS = ("csv", "json", "xlsx")  # xlsx is binary: `out` takes bytes, the others text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell


def export_calls(session: Session, out: IO[Any], fmt: str, today: date, min_days: int) -> int:
    """Write every stored call to `out`, deadlines as a new applicant needing `min_days` sees them."""
    stored = calls(session, today)
    if fmt == "xlsx":
        _write_xlsx(out, [call_row(call, today, min_days) for call in stored])
        return len(stored)
    rows = [call_summary(call, today, min_days) for call in stored]
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


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, quoted so it stays text (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write_xlsx(out: IO[bytes], rows: list[dict[str, Any]]) -> None:
    """One sheet, the CSV's columns: money as numbers, days as dates, times in UTC."""
    from openpyxl import Workbook  # only here: every `radar` command imports this module

    book = Workbook(write_only=True)
    sheet = book.create_sheet("calls")
    sheet.append(list(SUMMARY_FIELDS))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row[name]) for name in SUMMARY_FIELDS])
    book.save(out)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, list):  # the deadlines, as the CSV writes them
        return spreadsheet_safe("; ".join(deadline.iso() for deadline in value))
    if isinstance(value, Deadline):  # the day; the deadlines column keeps time and zone
        value = value.date
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        if isinstance(value, datetime):  # Excel knows no time zones: UTC, as in the CSV
            cell.value = value.astimezone(UTC).replace(tzinfo=None)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, str):  # control characters a workbook cannot hold are dropped
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
