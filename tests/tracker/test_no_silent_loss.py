"""Drifted sources through the real scraper and ingest path: nothing stored is lost to "none"."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.conftest import FIXTURES
from tests.tracker.helpers import FEED_FILE
from tracker.config import ConfigError, load_settings
from tracker.jobs import ingest_files
from tracker.models import Actor, Call, CallVersion, ChangeEvent, JobRun

TODAY = date(2026, 9, 1)
OPEN_PAGE = FIXTURES / "sedia" / "search_open_reduced-fields.json"
HAEAVUSTUKSIA_PAGE = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"
BIG_TOPIC = "HORIZON-CL5-2027-07-D3-16"


def drifted(tmp_path: Path, source: Path, change: Any, name: str = "drifted.json") -> Path:
    """The real recorded response with `change` applied to its decoded JSON, as a file."""
    data = json.loads(source.read_bytes())
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def each_grant(change: Any) -> Any:
    def apply(data: dict[str, Any]) -> None:
        for grant in data["grants"]:
            change(grant)

    return apply


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def stored(engine) -> dict[str, tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Call.identifier, Call.deadlines, Call.budget_total_eur, Call.content_hash)
        )
        return {identifier: tuple(rest) for identifier, *rest in rows}


def history(engine) -> tuple[int, int]:
    with Session(engine) as session:
        versions = session.exec(select(func.count()).select_from(CallVersion)).one()
        events = session.exec(select(func.count()).select_from(ChangeEvent)).one()
        return versions, events


def ingest(engine, settings, name: str, path: Path):
    return ingest_files(engine, settings, name, [path], today=TODAY)


@pytest.fixture
def fed(engine, settings):
    """The real eu_grants_feed snapshot, stored."""
    run = ingest(engine, settings, "eu_grants_feed", FEED_FILE)
    assert run.ok and run.new == 723, run.message
    return stored(engine)


def test_feed_dates_as_epoch_milliseconds_change_nothing(engine, settings, fed, tmp_path):
    def as_numbers(grant: dict[str, Any]) -> None:
        for key in ("startDate", "deadlineDate"):
            if isinstance(grant.get(key), str):
                grant[key] = epoch_ms(grant[key])

    before = history(engine)
    run = ingest(
        engine, settings, "eu_grants_feed", drifted(tmp_path, FEED_FILE, each_grant(as_numbers))
    )
    assert run.ok, run.message
    assert (run.new, run.changed, run.errors) == (0, 0, 0)
    assert stored(engine) == fed
    assert sum(1 for deadlines, *_ in fed.values() if deadlines) >= 718
    assert history(engine) == before


def test_budget_as_text_fails_the_run_and_stores_nothing(engine, settings, fed, tmp_path):
    def as_text(grant: dict[str, Any]) -> None:
        if grant.get("budget") is not None:
            grant["budget"] = json.dumps(grant["budget"])
        grant["title"] = grant["title"] + " (renamed)"  # would be stored if the run went through

    before = history(engine)
    run = ingest(
        engine, settings, "eu_grants_feed", drifted(tmp_path, FEED_FILE, each_grant(as_text))
    )
    assert not run.ok
    assert run.errors == 615
    assert run.message.startswith("eu_grants_feed: 615 of 723 records failed (85%, more than 10%)")
    assert "nothing stored" in run.message
    assert run.record_errors[0] == {
        "source": "eu_grants_feed",
        "key": "50129698TOPICSen",
        "field": "budget",
        "problem": "type",
        "value": run.record_errors[0]["value"],
    }
    assert run.record_errors[0]["value"].startswith('\'{"totalBudgetEur": 28500000')
    assert stored(engine) == fed  # budgets, deadlines and titles as they were
    assert history(engine) == before
    with Session(engine) as session:
        kept = session.get(JobRun, run.id)
        assert not kept.ok and kept.errors == 615 and len(kept.record_errors) == 615


def test_a_few_bad_records_are_left_out_and_keep_their_stored_values(
    engine, settings, fed, tmp_path
):
    spoilt = {"HORIZON-CL5-2027-07-D3-16", "HORIZON-CL5-2027-07-D3-27"}

    def drift(grant: dict[str, Any]) -> None:
        if grant["identifier"] in spoilt:
            grant["deadlineDate"] = "1.12.2027"  # no certain meaning: never read as "no deadline"
            grant["budget"] = "28500000 EUR"
        elif grant["identifier"] == "HORIZON-CL5-2027-07-D3-11":
            grant["title"] = "A real change that is stored"

    run = ingest(
        engine, settings, "eu_grants_feed", drifted(tmp_path, FEED_FILE, each_grant(drift))
    )
    assert run.ok, run.message
    assert (run.errors, run.changed) == (2, 1)
    assert "2 records left out" in run.message
    assert {(e["key"], e["field"], e["problem"]) for e in run.record_errors} == {
        (key, "deadlineDate", "value") for key in _references(spoilt)
    }
    after = stored(engine)
    for identifier in spoilt:
        assert after[identifier] == fed[identifier]
        assert after[identifier][0] and after[identifier][1]  # a deadline and a budget remain
    assert after["HORIZON-CL5-2027-07-D3-11"][2] != fed["HORIZON-CL5-2027-07-D3-11"][2]


def _references(identifiers: set[str]) -> set[str]:
    grants = json.loads(FEED_FILE.read_bytes())["grants"]
    return {g["id"] for g in grants if g["identifier"] in identifiers}


def test_the_share_is_a_setting(engine, settings, fed, tmp_path):
    def as_text(grant: dict[str, Any]) -> None:
        if grant.get("budget") is not None:
            grant["budget"] = json.dumps(grant["budget"])

    settings.ingest.max_failed_share = 0.9
    run = ingest(
        engine, settings, "eu_grants_feed", drifted(tmp_path, FEED_FILE, each_grant(as_text))
    )
    assert run.ok and run.errors == 615
    after = stored(engine)
    assert all(after[i][1] == fed[i][1] for i in fed)  # left out, so the budgets stay


def test_a_billion_budget_stores_on_both_engines(engine, settings, tmp_path):
    def big(grant: dict[str, Any]) -> None:
        if grant["identifier"] == BIG_TOPIC:
            grant["budget"]["totalBudgetEur"] = 2_500_000_000

    run = ingest(engine, settings, "eu_grants_feed", drifted(tmp_path, FEED_FILE, each_grant(big)))
    assert run.ok, run.message
    assert stored(engine)[BIG_TOPIC][1] == 2_500_000_000
    with Session(engine) as session:
        # The real feed's largest call, 1.78 bn EUR, is above int4 too.
        assert session.exec(select(func.max(Call.budget_total_eur))).one() == 2_500_000_000
        actor = Actor(name="Iso Oy", budget_max_eur=3_000_000_000, cofinancing_eur=2_200_000_000)
        session.add(actor)
        session.commit()
        session.refresh(actor)
        assert actor.budget_max_eur == 3_000_000_000


def test_ft_search_record_without_identifier_is_skipped_not_keyed_by_reference(
    engine, settings, tmp_path
):
    first = ingest(engine, settings, "ft_search", OPEN_PAGE)
    assert first.ok and first.new == 4
    before = stored(engine)

    def drop(data: dict[str, Any]) -> None:
        data["results"][0]["metadata"].pop("identifier")

    settings.ingest.max_failed_share = 0.5
    run = ingest(engine, settings, "ft_search", drifted(tmp_path, OPEN_PAGE, drop))
    assert run.ok and run.errors == 1 and run.new == 0
    reference = json.loads(OPEN_PAGE.read_bytes())["results"][0]["reference"]
    assert run.record_errors == [
        {
            "source": "ft_search",
            "key": reference,
            "field": "metadata.identifier",
            "problem": "missing",
            "value": "",
        }
    ]
    assert stored(engine) == before  # no call under the reference beside the existing one


def test_haeavustuksia_end_date_as_a_number(engine, settings, tmp_path):
    assert ingest(engine, settings, "haeavustuksia", HAEAVUSTUKSIA_PAGE).ok
    before = stored(engine)

    def end(value: Any) -> Any:
        def apply(data: dict[str, Any]) -> None:
            data["hakuilmoitukset"][0]["hakuPaattyyDateTimeUtc"] = value

        return apply

    millis = epoch_ms("2036-12-31T21:59:00+00:00")
    same = ingest(
        engine, settings, "haeavustuksia", drifted(tmp_path, HAEAVUSTUKSIA_PAGE, end(millis))
    )
    assert same.ok and (same.changed, same.unchanged) == (0, 1)
    broken = ingest(
        engine, settings, "haeavustuksia", drifted(tmp_path, HAEAVUSTUKSIA_PAGE, end(20361231))
    )
    assert not broken.ok and broken.errors == 1
    assert broken.record_errors[0]["field"] == "hakuPaattyyDateTimeUtc"
    assert stored(engine) == before


def test_radar_ingest_exits_non_zero_with_one_line(engine, tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    def as_text(data: dict[str, Any]) -> None:
        for grant in data["grants"]:
            if grant.get("budget") is not None:
                grant["budget"] = json.dumps(grant["budget"])

    env = {"RADAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    path = drifted(tmp_path, FEED_FILE, as_text)
    result = CliRunner().invoke(main, ["ingest", "eu_grants_feed", str(path)], env=env)
    assert result.exit_code == 1
    failure = [line for line in result.stderr.splitlines() if "records failed" in line]
    assert len(failure) == 1
    assert "615 of 723 records failed" in failure[0] and "budget" in failure[0]


@pytest.mark.parametrize("value", ["1.5", "-0.1", "'ten'"])
def test_the_failure_share_is_validated_naming_the_key(tmp_path, value):
    path = tmp_path / "config.toml"
    path.write_text(f"[ingest]\nmax_failed_share = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ingest\.max_failed_share: expected"):
        load_settings(path, env={})
