"""Drifted field types in real recorded responses: read when certain, else the record is left out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from scrapers.base import Page
from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.fields import RecordError
from scrapers.haeavustuksia import Haeavustuksia, call_record
from scrapers.record import CallRecord, Deadline
from tests.conftest import FIXTURES

FEED = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"
ITEM = FIXTURES / "finland" / "haeavustuksia_list_item.json"
CALL_URL = Haeavustuksia.Settings().call_url


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def feed(change: Any) -> list[Any]:
    data = json.loads(FEED.read_bytes())
    for grant in data["grants"]:
        change(grant)
    body = json.dumps(data).encode()
    return list(EuGrantsFeed(EuGrantsFeed.Settings()).parse(Page("eu_grants_feed", "t", body)))


def dates_as_numbers(grant: dict[str, Any]) -> None:
    for key in ("startDate", "deadlineDate"):
        if isinstance(grant.get(key), str):
            grant[key] = epoch_ms(grant[key])


def test_feed_dates_in_epoch_milliseconds_read_as_the_same_dates() -> None:
    before = feed(lambda grant: None)
    after = feed(dates_as_numbers)
    assert all(isinstance(r, CallRecord) for r in after)
    assert [r.deadlines for r in after] == [r.deadlines for r in before]
    assert sum(1 for r in after if r.deadlines) > 700  # the drift that removed 718 deadlines
    assert [r.opening_date for r in after] == [r.opening_date for r in before]


def test_feed_dates_that_are_no_epoch_milliseconds_fail_their_records() -> None:
    def seconds(grant: dict[str, Any]) -> None:
        if isinstance(grant.get("deadlineDate"), str):
            grant["deadlineDate"] = epoch_ms(grant["deadlineDate"]) // 1000

    parsed = feed(seconds)
    errors = [p for p in parsed if isinstance(p, RecordError)]
    assert len(errors) > 700
    first = errors[0].to_json()
    assert first["source"] == "eu_grants_feed"
    assert first["key"] == "50129698TOPICSen"
    assert (first["field"], first["problem"], first["value"]) == (
        "deadlineDate",
        "value",
        "1827619200",
    )


def test_a_budget_sent_as_text_fails_the_record_instead_of_removing_the_budget() -> None:
    def as_text(grant: dict[str, Any]) -> None:
        if grant.get("budget") is not None:
            grant["budget"] = json.dumps(grant["budget"])

    errors = [p for p in feed(as_text) if isinstance(p, RecordError)]
    assert len(errors) == 615  # every grant with a budget; none read as "no budget"
    assert {(e.field, e.kind) for e in errors} == {("budget", "type")}


def test_numeric_text_amounts_and_billions_are_read() -> None:
    def big(grant: dict[str, Any]) -> None:
        if grant["identifier"] == "HORIZON-CL5-2027-07-D3-16":
            grant["budget"]["totalBudgetEur"] = 2_500_000_000
            grant["budget"]["maxContributionEur"] = "9500000.00"

    (record,) = [r for r in feed(big) if r.identifier == "HORIZON-CL5-2027-07-D3-16"]
    assert record.budget.total_eur == 2_500_000_000
    assert record.budget.max_grant_eur == 9_500_000


def item(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ITEM.read_text())
    data.update(changes)
    return data


def test_haeavustuksia_end_date_in_epoch_milliseconds_is_the_same_end() -> None:
    text = item()["hakuPaattyyDateTimeUtc"]
    drifted = call_record(
        item(hakuPaattyyDateTimeUtc=epoch_ms(text.replace("Z", "+00:00"))), CALL_URL
    )
    assert drifted == call_record(item(), CALL_URL)
    # A call with a real deadline keeps it, in Helsinki time.
    fixed = item(
        hakuTyyppi="Määräaikainen", hakuPaattyyDateTimeUtc=epoch_ms("2026-10-31T21:59:00+00:00")
    )
    record = call_record(fixed, CALL_URL)
    assert record.deadlines == (
        Deadline(date(2026, 10, 31), datetime(2026, 1, 1, 23, 59).time(), "Europe/Helsinki"),
    )


def test_haeavustuksia_end_date_as_another_number_fails_the_record() -> None:
    body = json.dumps(
        {
            "totalCount": 1,
            "pageCount": 1,
            "hakuilmoitukset": [item(hakuPaattyyDateTimeUtc=20361231)],
        }
    )
    (error,) = Haeavustuksia(Haeavustuksia.Settings()).parse(
        Page("haeavustuksia", "t", body.encode())
    )
    assert isinstance(error, RecordError)
    assert error.to_json() == {
        "source": "haeavustuksia",
        "key": "va-lou-2026-5",
        "field": "hakuPaattyyDateTimeUtc",
        "problem": "value",
        "value": "20361231",
    }


def test_epoch_milliseconds_are_utc_instants() -> None:
    assert datetime.fromtimestamp(epoch_ms("2027-12-01T00:00:00+00:00") / 1000, UTC).date() == date(
        2027, 12, 1
    )
