"""Exports that a spreadsheet opens safely."""

import csv
import dataclasses
import io
from datetime import UTC, date, datetime

from tests.tracker.helpers import sedia_records
from tracker.export import export_calls
from tracker.ingest import ingest

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
