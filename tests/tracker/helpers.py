"""Real records for data-layer tests, parsed from the recorded responses in ../shared."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

from scrapers.base import Page
from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.ft_bulk import FtBulk
from scrapers.ft_codes import label_deadlines
from scrapers.ft_search import FtSearch
from scrapers.record import Budget, CallRecord, Deadline
from tests.conftest import FIXTURES, SHARED

SEDIA_FILES = sorted((FIXTURES / "sedia").glob("*.json"))
BULK_FILE = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"
FEED_FILE = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"


def parse_file(source, path: Path) -> list[CallRecord]:
    return list(source.parse(Page(source=source.name, url=path.as_uri(), body=path)))


def sedia_records() -> list[CallRecord]:
    source = FtSearch(FtSearch.Settings())
    return [record for path in SEDIA_FILES for record in parse_file(source, path)]


def bulk_records() -> list[CallRecord]:
    return parse_file(FtBulk(FtBulk.Settings()), BULK_FILE)


def feed_records() -> list[CallRecord]:
    return parse_file(EuGrantsFeed(EuGrantsFeed.Settings()), FEED_FILE)


# A real F&T portal search export (2024-08-24) whose two-stage topics carry both stages; no
# scraper reads these exports, so the row's own columns are mapped here, one to one.
EXPORT_FILE = SHARED / "data/ft_portal/exports/output_query-open_1724530395206.csv"


def export_record(identifier: str) -> CallRecord:
    """One topic of the F&T export as a CallRecord, deadlines labelled as the scrapers do."""
    csv.field_size_limit(sys.maxsize)  # descriptions are long HTML
    with EXPORT_FILE.open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["identifier"] == identifier)
    model = row["submission_procedure"]
    moments = [datetime.fromisoformat(row[k]) for k in ("deadline", "deadline2") if row[k]]
    deadlines = [Deadline(m.date(), m.time(), "Europe/Brussels") for m in moments]
    return CallRecord(
        source="ft_portal_export",
        source_key=row["reference"],
        identifier=identifier,
        title=row["title"],
        type_of_action=row["action_type"],
        description_html=row["description"],
        opening_date=datetime.fromisoformat(row["start_date"]).date(),
        deadlines=label_deadlines(deadlines, model),
        deadline_model=model,
        budget=Budget(min_grant_eur=int(row["budget_min"]), max_grant_eur=int(row["budget_max"])),
    )
