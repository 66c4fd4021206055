"""What `make run` loads when the sources do not answer: the real recorded responses of
../shared, and the Kanta-Häme organisations of the CORDIS file as actors, matched. One list,
read by the Makefile's targets (through `radar`) and by the tests that start from that data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from tracker.config import Settings
from tracker.cordis import ImportReport, import_cordis
from tracker.db import session_scope
from tracker.jobs import ingest_files, match
from tracker.models import JobRun

RECORDINGS = (  # (source, files under ../shared/fixtures)
    ("ft_search", "sedia/*.json"),
    ("ft_bulk", "grants_tenders/*.json"),
    ("eu_grants_feed", "sedia/derived/*.json"),
    ("euro_access", "euro_access/call_detail_135.html"),
    ("interreg", "interreg/*.json"),
    ("haeavustuksia", "finland/haeavustuksia_list-items_page1_reduced.json"),
    ("eura2021", "finland/eura2021_call_row_and_codes.json"),
)
REGION = "FI1C2"  # Kanta-Häme
CORDIS_ORGANISATIONS = "data/cordis/horizon_organization_2024-05.csv"
CORDIS_TOPICS = "data/cordis/horizon_topics_2026-04.csv"


def load_recordings(engine: Engine, settings: Settings, shared: Path) -> list[JobRun]:
    """Every recording ingested as its source's run would store it, one run per source."""
    runs = []
    for source, pattern in RECORDINGS:
        files = sorted((shared / "fixtures").glob(pattern))
        if not files:
            raise FileNotFoundError(f"no recording {pattern} under {shared / 'fixtures'}")
        runs.append(ingest_files(engine, settings, source, files))
    return runs


def load_region_actors(
    engine: Engine, settings: Settings, shared: Path
) -> tuple[ImportReport, JobRun]:
    """The region's organisations of CORDIS as actors with their projects, then every match."""
    with session_scope(engine) as session:
        report = import_cordis(
            session,
            shared / CORDIS_ORGANISATIONS,
            region=REGION,
            topics=shared / CORDIS_TOPICS,
        )
    return report, match(engine, settings)
