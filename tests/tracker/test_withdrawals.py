"""Calls that end: withdrawn when every source dropped them for complete runs; technical ends."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import FIXTURES
from tests.tracker.helpers import BULK_FILE, FEED_FILE
from tracker.config import ConfigError, load_settings
from tracker.jobs import ingest_files
from tracker.models import Call, ChangeEvent, JobRun
from tracker.search import CallQuery, found_calls
from tracker.withdrawals import FIELD

TODAY = date(2026, 8, 22)  # the day of the feed's snapshot
CBE = "HORIZON-JU-CBE-2026-IA-05"  # in the feed only here, deadline 2026-09-22
BIODIV = "HORIZON-CL6-2027-01-BIODIV-07"  # in the feed and in the bulk file
HAEAVUSTUKSIA_PAGE = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"


def without(tmp_path: Path, source: Path, items: str, identifier: str) -> Path:
    """Test construction: the real response with the record of `identifier` left out."""
    data = json.loads(source.read_bytes())
    container = data["fundingData"] if items == "GrantTenderObj" else data
    kept = [item for item in container[items] if item["identifier"] != identifier]
    assert len(kept) == len(container[items]) - 1
    container[items] = kept
    path = tmp_path / f"{source.stem}-without-{identifier}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(engine, settings, source: str, path: Path, *, complete=True, today=TODAY) -> JobRun:
    found = ingest_files(engine, settings, source, [path], today=today, complete=complete)
    assert found.ok, found.message
    return found


def call_of(engine, identifier: str) -> tuple[Call, list[ChangeEvent]]:
    with Session(engine) as session:
        call = session.exec(select(Call).where(Call.identifier == identifier)).one()
        events = session.exec(
            select(ChangeEvent).where(
                ChangeEvent.call_id == call.id, ChangeEvent.field_name == FIELD
            )
        ).all()
        return call, list(events)


def open_identifiers(engine, today=TODAY) -> set[str]:
    with Session(engine) as session:
        return {call.identifier for call in found_calls(session, CallQuery(status="open"), today)}


def test_a_call_dropped_by_its_source_for_complete_runs_is_withdrawn_and_back_when_listed(
    engine, settings, tmp_path
):
    assert settings.ingest.withdraw_after_runs == 3
    dropped = without(tmp_path, FEED_FILE, "grants", CBE)
    run(engine, settings, "eu_grants_feed", FEED_FILE)
    assert CBE in open_identifiers(engine)

    run(engine, settings, "eu_grants_feed", dropped)
    run(engine, settings, "eu_grants_feed", dropped, complete=False)  # some files: no evidence
    run(engine, settings, "eu_grants_feed", dropped)
    call, events = call_of(engine, CBE)
    assert call.withdrawn_at is None and events == []  # two complete runs: not yet

    last = run(engine, settings, "eu_grants_feed", dropped)
    call, events = call_of(engine, CBE)
    assert call.withdrawn_at is not None
    assert [(e.old_value, e.new_value) for e in events] == [(False, True)]
    assert call.status(TODAY) == "closed"
    assert CBE not in open_identifiers(engine)
    assert "1 calls withdrawn" in (last.message or "")

    run(engine, settings, "eu_grants_feed", FEED_FILE, complete=False)  # listed again
    call, events = call_of(engine, CBE)
    assert call.withdrawn_at is None
    assert [(e.old_value, e.new_value) for e in events] == [(False, True), (True, False)]
    assert CBE in open_identifiers(engine)


def test_a_call_closed_by_its_deadline_is_closed_not_withdrawn(engine, settings, tmp_path):
    dropped = without(tmp_path, FEED_FILE, "grants", CBE)
    run(engine, settings, "eu_grants_feed", FEED_FILE)
    after_deadline = date(2026, 9, 23)  # an open-only listing drops a call when it closes
    for _ in range(4):
        run(engine, settings, "eu_grants_feed", dropped, today=after_deadline)
    call, events = call_of(engine, CBE)
    assert call.withdrawn_at is None and events == []
    assert call.status(after_deadline) == "closed"


def test_a_call_of_two_sources_is_withdrawn_only_when_both_dropped_it(engine, settings, tmp_path):
    run(engine, settings, "ft_bulk", BULK_FILE)
    run(engine, settings, "eu_grants_feed", FEED_FILE)
    feed_without = without(tmp_path, FEED_FILE, "grants", BIODIV)
    bulk_without = without(tmp_path, BULK_FILE, "GrantTenderObj", BIODIV)
    for _ in range(4):
        run(engine, settings, "eu_grants_feed", feed_without)
    assert call_of(engine, BIODIV)[0].withdrawn_at is None  # the bulk file still lists it
    for _ in range(2):
        run(engine, settings, "ft_bulk", bulk_without)
    assert call_of(engine, BIODIV)[0].withdrawn_at is None
    run(engine, settings, "ft_bulk", bulk_without)
    assert call_of(engine, BIODIV)[0].withdrawn_at is not None


def test_a_failed_run_withdraws_nothing(engine, settings, tmp_path):
    run(engine, settings, "eu_grants_feed", FEED_FILE)
    data = json.loads(FEED_FILE.read_bytes())
    # Test construction: the CBE topic left out, and every other grant's date made unreadable.
    data["grants"] = [
        {**grant, "deadlineDate": "someday"}
        for grant in data["grants"]
        if grant["identifier"] != CBE
    ]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    for _ in range(3):
        failed = ingest_files(
            engine, settings, "eu_grants_feed", [broken], today=TODAY, complete=True
        )
        assert not failed.ok
    assert call_of(engine, CBE)[0].withdrawn_at is None


def test_withdraw_after_runs_is_checked(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[ingest]\nwithdraw_after_runs = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ingest.withdraw_after_runs"):
        load_settings(config, env={})


@pytest.mark.parametrize(
    ("today", "status"),
    [(date(2026, 8, 22), "open"), (date(2036, 12, 31), "open"), (date(2037, 1, 1), "closed")],
)
def test_a_continuous_call_closes_after_its_technical_end(engine, settings, today, status):
    # The real continuous call va-lou-2026-5 ends technically at 2036-12-31 23:59 Helsinki time.
    run(engine, settings, "haeavustuksia", HAEAVUSTUKSIA_PAGE, complete=False)
    call = call_of(engine, "va-lou-2026-5")[0]
    assert call.continuous and call.deadlines == []
    assert call.status(today) == status  # Python and SQL agree
    with Session(engine) as session:
        assert [c.identifier for c in found_calls(session, CallQuery(status=status), today)] == [
            "va-lou-2026-5"
        ]
