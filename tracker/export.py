"""Calls, matches and applications written out as CSV, JSON or an Excel workbook (xlsx): one table
definition per kind (its columns and typed rows), one writer for every kind and format."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlmodel import Session, col, select

from matcher.explain import Evidence, explain
from matcher.text import Language
from matcher.themes import Theme
from scrapers.record import Deadline
from tracker.actors import actor_matches
from tracker.application_queries import ApplicationFilter, find_applications
from tracker.models import Actor
from tracker.queries import SUMMARY_FIELDS, as_text, call_row, last_seen
from tracker.search import CallQuery, found_calls

FORMATS = ("csv", "json", "xlsx")  # xlsx is binary: `out` takes bytes, the others text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell
MATCH_FIELDS = (
    "actor",
    "identifier",
    "title",
    "programme",
    "score",
    "reasons",
    "next_deadline",
    "verdict",
    "url",
)
APPLICATION_FIELDS = (
    "actor",
    "identifier",  # empty for a call typed in by hand
    "title",
    "programme",
    "stage",
    "role",
    "staff",
    "requested_eur",
    "granted_eur",
    "preparation_funding_applied",
    "preparation_funding_received",
    "next_deadline",
    "partner_count",
    "last_change",
)
TOP_REASONS = 3  # the reasons a match row shows first


@dataclass(frozen=True)
class Table:
    """One export: the sheet's name, its columns and its rows of typed values (dates,
    deadlines and money as such; a list is written as one cell, items joined by "; ")."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def calls_table(
    session: Session, today: date, min_days: int, query: CallQuery | None = None
) -> Table:
    """The calls the search `query` finds (every call without one), in its order, with status
    and next deadline as a new applicant needing `min_days` sees them."""
    found = found_calls(session, query or CallQuery(), today, min_days)
    seen = last_seen(session, [call.id for call in found if call.id])
    rows = [call_row(call, today, min_days, seen.get(call.id or 0)) for call in found]
    return Table("calls", SUMMARY_FIELDS, rows)


def matches_table(
    session: Session,
    actor_ids: Iterable[int],
    today: date,
    min_days: int,
    language: Language,
    themes: Mapping[str, Theme],
) -> Table:
    """The actors' matches as their matches page lists them (best first, dismissed calls left
    out), with the top reasons told in `language` and the newest verdict."""
    rows = []
    for actor_id, name in _actor_names(session, actor_ids):
        listed, _total = actor_matches(session, actor_id, limit=None)
        for row in listed:
            why = explain(Evidence.from_json(row.match.evidence), language, today, themes)
            call = row.call
            rows.append(
                {
                    "actor": name,
                    "identifier": call.identifier,
                    "title": call.title,
                    "programme": call.programme,
                    "score": round(row.match.score, 1),
                    "reasons": list(why.reasons[:TOP_REASONS]),
                    "next_deadline": call.for_applicant(today, min_days).deadline,
                    "verdict": row.verdict,
                    "url": call.url,
                }
            )
    return Table("matches", MATCH_FIELDS, rows)


def applications_table(
    session: Session, filters: Iterable[ApplicationFilter], today: date
) -> Table:
    """The applications each filter finds, as the applications table lists them, with the next
    deadline on or after `today`."""
    rows = []
    for found in filters:
        for row in find_applications(session, found):
            application = row.application
            rows.append(
                {
                    "actor": row.actor.name,
                    "identifier": row.call.identifier if row.call else None,
                    "title": row.title,
                    "programme": row.programme,
                    "stage": application.stage,
                    "role": application.role,
                    "staff": (row.staff.name or row.staff.email) if row.staff else None,
                    "requested_eur": application.requested_eur,
                    "granted_eur": application.granted_eur,
                    "preparation_funding_applied": application.regional_funding_applied,
                    "preparation_funding_received": application.regional_funding_received,
                    "next_deadline": row.next_deadline(today),
                    "partner_count": len(application.partners),
                    "last_change": application.updated_at,
                }
            )
    return Table("applications", APPLICATION_FIELDS, rows)


def _actor_names(session: Session, actor_ids: Iterable[int]) -> list[tuple[int, str]]:
    query = select(Actor.id, Actor.name).where(col(Actor.id).in_(list(actor_ids)))
    return [(actor_id, name) for actor_id, name in session.exec(query.order_by(col(Actor.name)))]


def write_table(table: Table, out: IO[Any], fmt: str) -> int:
    """Write `table` to `out` in `fmt` (bytes for xlsx, text otherwise); the rows written."""
    if fmt == "xlsx":
        _write_xlsx(out, table)
    elif fmt == "json":
        json.dump([as_text(row) for row in table.rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=table.columns)
        writer.writeheader()
        for row in table.rows:
            writer.writerow({name: spreadsheet_safe(_cell_text(v)) for name, v in row.items()})
    return len(table.rows)


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, quoted so it stays text (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_text(value: Any) -> Any:
    """A value as one cell of text: a list's items joined by "; "."""
    value = as_text(value)
    return "; ".join(value) if isinstance(value, list) else value


def _write_xlsx(out: IO[bytes], table: Table) -> None:
    """One sheet, the CSV's columns: money as numbers, days as dates, times in UTC."""
    from openpyxl import Workbook  # only here: every `radar` command imports this module

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name)
    sheet.append(list(table.columns))
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, row[name]) for name in table.columns])
    book.save(out)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, list):  # deadlines or reasons, as the CSV writes them
        value = _cell_text(value)
    if isinstance(value, Deadline):  # the day; the deadlines column keeps time and zone
        value = value.date
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        if isinstance(value, datetime):  # Excel knows no time zones: UTC, as in the CSV
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite's are UTC
            cell.value = aware.astimezone(UTC).replace(tzinfo=None)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, str):  # control characters a workbook cannot hold are dropped
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
