"""Real records for data-layer tests, parsed from the recorded responses in ../shared."""

from __future__ import annotations

import csv
import sys
import warnings
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from scrapers.base import Page
from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.ft_bulk import FtBulk
from scrapers.ft_codes import label_deadlines
from scrapers.ft_search import FtSearch
from scrapers.record import Budget, CallRecord, Deadline
from tests.conftest import FIXTURES, SHARED
from tracker.cli import main

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


def radar_on(engine):
    """`radar ...` against a test database: call it with the arguments, get the click Result."""
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def invoke(*args, env=None, catch_exceptions=False):
        env = {"RADAR_DATABASE_URL": url, **(env or {})}
        return runner.invoke(main, list(map(str, args)), env=env, catch_exceptions=catch_exceptions)

    return invoke


@cache
def a_real_call() -> CallRecord:
    return feed_records()[0]


def value_for(table: sa.Table, column: sa.Column, ids: dict[str, int]):
    """A value of the column's type; a required foreign key points at the parent table's row."""
    for key in column.foreign_keys:
        return None if column.nullable else ids[key.column.table.name]
    if table.name == "call" and column.name in ("identifier", "title"):
        return getattr(a_real_call(), column.name)  # a real call: its identifier and title
    kind = column.type
    if isinstance(kind, sa.JSON):
        return (
            [] if column.name in ("deadlines", "keywords", "tags", "themes", "programmes") else {}
        )
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2026, 8, 22)
    if isinstance(kind, sa.Integer | sa.Float | sa.Numeric):
        return 1
    return f"{table.name}-{column.name}"[: getattr(kind, "length", None) or 200]


def reflected(engine) -> sa.MetaData:
    """The tables of the schema as it is, but SQLite's full-text index (migration 0018), whose
    rows its triggers write; the expression indexes SQLAlchemy does not read are left out."""
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        metadata.reflect(engine, only=lambda name, _: not name.startswith("callsearch_fts"))
    return metadata


def fill(engine, *, only_empty: bool = False) -> dict[str, int]:
    """One row in every table of the schema as it is (or in each empty one), parents first;
    the rows added per table."""
    metadata = reflected(engine)
    ids: dict[str, int] = {}
    added: dict[str, int] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            first = connection.execute(sa.select(*table.primary_key.columns).limit(1)).first()
            if only_empty and first is not None:
                ids[table.name] = first[0]  # the rows of other tables point at this one
                continue
            row = {
                c.name: value_for(table, c, ids)
                for c in table.columns
                if not (c.primary_key and isinstance(c.type, sa.Integer) and not c.foreign_keys)
                and c.computed is None  # a generated column (the search document) is computed
            }
            result = connection.execute(table.insert().values(**row))
            ids[table.name] = (result.inserted_primary_key or [1])[0]
            added[table.name] = 1
    return added


def counts(engine) -> dict[str, int]:
    """The rows of each table of the schema as it is."""
    metadata = reflected(engine)
    with engine.connect() as connection:
        return {
            t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
            if t.name != "alembic_version"
        }
