import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from tracker.cli import main

OPEN_PAGE = FIXTURES / "sedia" / "search_open_reduced-fields.json"
CASCADE = FIXTURES / "sedia" / "search_cascade_type8_reduced-fields.json"
BULK = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"


@pytest.fixture
def radar(engine):
    """Run `radar ...` against the test database; returns the click Result."""
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(
            main, list(map(str, args)), env={"RADAR_DATABASE_URL": url}, catch_exceptions=False
        )

    return invoke


def test_parse_prints_one_json_object_per_call(radar):
    result = radar("parse", "ft_search", CASCADE, "--today", "2026-09-10")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 4
    first = lines[0]
    assert {"identifier", "title", "programme", "deadlines", "status", "budget_eur", "url"} <= set(
        first
    )
    assert all(line["status"] == "open" for line in lines)
    assert lines[0]["deadlines"][0].startswith("2025-09-02T03:59")


def test_parse_status_follows_today(radar):
    before = radar("parse", "ft_bulk", BULK, "--today", "2020-01-01").output.splitlines()
    after = radar("parse", "ft_bulk", BULK, "--today", "2030-01-01").output.splitlines()
    assert {json.loads(line)["status"] for line in before} == {"forthcoming"}
    assert {json.loads(line)["status"] for line in after} == {"closed"}


def test_parse_of_a_malformed_file_fails_with_the_reason(radar, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_bytes(OPEN_PAGE.read_bytes()[:500])
    result = radar("parse", "ft_search", broken)
    assert result.exit_code == 1
    assert "ft_search: " in result.output


def test_ingest_twice_then_export_and_sources(radar, tmp_path):
    first = radar("ingest", "ft_search", OPEN_PAGE, CASCADE, "--today", "2026-09-01")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[1].split() == ["ft_search", "8", "8", "0", "0", "0"]
    second = radar("ingest", "ft_search", OPEN_PAGE, CASCADE)
    assert second.output.splitlines()[1].split() == ["ft_search", "8", "0", "0", "8", "0"]

    out = tmp_path / "calls.csv"
    assert (
        radar("export", "calls", "--format", "csv", "--out", out, "--today", "2026-09-01").exit_code
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 8
    row = next(r for r in rows if r["identifier"] == "HORIZON-CL5-2026-09-D4-03")
    assert (row["status"], row["next_deadline"]) == ("open", "2026-09-15")

    exported = json.loads(
        radar("export", "calls", "--format", "json", "--today", "2026-10-01").output
    )
    assert {c["identifier"]: c["status"] for c in exported}["HORIZON-CL5-2026-09-D4-03"] == "closed"

    sources = radar("sources").output
    assert "ft_search" in sources and "ok, fetched 8, new 0, changed 0, unchanged 8" in sources
    assert "ft_bulk" in sources and "never run" in sources


def test_broken_config_stops_with_the_key_named(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[web]\nport = 'x'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "sources"])
    assert result.exit_code == 1
    assert "web.port: expected an integer" in result.output
