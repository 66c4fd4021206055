"""Exports that a spreadsheet opens safely."""

import csv
import dataclasses
import io
from datetime import UTC, date, datetime

from tests.tracker.helpers import sedia_records
from tracker.export import export_calls
from tracker.ingest import ingest
from tracker.queries import SUMMARY_FIELDS

TODAY = date(2026, 9, 1)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(session):
    record = sedia_records()[0]
    hostile = dataclasses.replace(record, title='=HYPERLINK("http://evil.example","Apply")')
    ingest(session, [hostile], priority=["ft_search"], today=TODAY, now=datetime.now(UTC))
    session.commit()
    out = io.StringIO()
    export_calls(session, out, "csv", TODAY, 14)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["title"] == "'" + hostile.title
    assert row["identifier"] == record.identifier  # ordinary cells untouched


def test_the_xlsx_export_has_the_csv_columns_typed_and_formulas_neutralised(session):
    from openpyxl import load_workbook

    records = sedia_records()
    hostile = dataclasses.replace(records[1], title="@SUM(1+1)*cmd|' /C calc'!A0")
    ingest(
        session, [records[0], hostile], priority=["ft_search"], today=TODAY, now=datetime.now(UTC)
    )
    session.commit()
    out = io.BytesIO()
    open_day = date(2025, 9, 1)  # both calls still open: a next deadline to read
    assert export_calls(session, out, "xlsx", open_day, 14) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    header, *rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [cell.value for cell in header] == list(SUMMARY_FIELDS)
    by_id = {row[0].value: dict(zip(SUMMARY_FIELDS, row, strict=True)) for row in rows}
    data = by_id["HORIZON-CL4-2025-04-DATA-03"]
    assert data["budget_eur"].value == 15_000_000 and data["budget_eur"].data_type == "n"
    assert data["opening_date"].is_date and data["opening_date"].value.date() == date(2025, 6, 10)
    assert data["next_deadline"].is_date
    assert data["next_deadline"].value.date() == date(2025, 10, 2)
    assert data["first_seen"].is_date and data["first_seen"].value.tzinfo is None
    cascade = by_id[hostile.identifier]
    assert cascade["title"].value == "'" + hostile.title and cascade["title"].data_type == "s"
    assert cascade["deadlines"].value == "; ".join(d.iso() for d in hostile.deadlines)
    assert cascade["budget_eur"].value == hostile.budget.total_eur == 30_500
