"""Real records for data-layer tests, parsed from the recorded responses in ../shared."""

from __future__ import annotations

from pathlib import Path

from scrapers.base import Page
from scrapers.ft_bulk import FtBulk
from scrapers.ft_search import FtSearch
from scrapers.record import CallRecord
from tests.conftest import FIXTURES

SEDIA_FILES = sorted((FIXTURES / "sedia").glob("*.json"))
BULK_FILE = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"


def parse_file(source, path: Path) -> list[CallRecord]:
    return list(source.parse(Page(source=source.name, url=path.as_uri(), body=path)))


def sedia_records() -> list[CallRecord]:
    source = FtSearch(FtSearch.Settings())
    return [record for path in SEDIA_FILES for record in parse_file(source, path)]


def bulk_records() -> list[CallRecord]:
    return parse_file(FtBulk(FtBulk.Settings()), BULK_FILE)
