"""ft_bulk: stream the recorded grantsTenders excerpt; conditional GET through the replay server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.errors import SourceError
from scrapers.fields import RecordError
from scrapers.ft_bulk import FtBulk, FtBulkSettings
from scrapers.http import HttpClient, HttpSettings
from scrapers.record import CallRecord, Deadline
from tests.conftest import FIXTURES
from tests.replay import Received, Reply

EXCERPT = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"
GRANTS = [
    "HORIZON-MISS-2026-02-CANCER-05",
    "HORIZON-MISS-2027-02-CANCER-06",
    "AGRIP-MULTI-2021-IM",
    "EDF-EDIP-P-2026-2027-FNLC-SA-SEAP",
    "HORIZON-CL6-2027-01-BIODIV-07",
    "DIGITAL-2026-AI-PILOTING-10-SCREENING",
]
TENDER = "INTPA/2023/EA-RP/0177-PIN"


def parse(body: bytes | Path) -> list[CallRecord]:
    return list(FtBulk(FtBulkSettings()).parse(Page("ft_bulk", "test", body)))


def records() -> dict[str, CallRecord]:
    return {r.identifier: r for r in parse(EXCERPT)}


def raw_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(EXCERPT.read_bytes())["fundingData"]["GrantTenderObj"]
    return items


def test_every_grant_is_read_and_the_tender_dropped() -> None:
    assert [(i["identifier"], i["type"]) for i in raw_items()][5] == (TENDER, 0)
    found = parse(EXCERPT)
    assert [r.identifier for r in found] == GRANTS
    assert all(r.source_key == r.identifier and r.kind == "grant" for r in found)


def test_epoch_milliseconds_become_dates() -> None:
    (cancer,) = [i for i in raw_items() if i["identifier"] == GRANTS[0]]
    assert cancer["deadlineDatesLong"] == [1789430400000]
    assert cancer["plannedOpeningDateLong"] == 1770681600000
    record = records()[GRANTS[0]]
    assert record.deadlines == (Deadline(date(2026, 9, 15)),)  # UTC midnight: the date alone
    assert record.opening_date == date(2026, 2, 10)
    assert datetime.fromtimestamp(1789430400, UTC).date() == date(2026, 9, 15)


def test_edf_topic_has_three_cut_offs() -> None:
    edf = records()["EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"]
    assert edf.deadline_model == "multiple cut-off"
    assert edf.deadlines == (
        Deadline(date(2026, 10, 13), label="cut-off 1"),
        Deadline(date(2027, 2, 16), label="cut-off 2"),
        Deadline(date(2027, 9, 28), label="cut-off 3"),
    )
    assert edf.opening_date == date(2026, 9, 2)
    assert edf.programme == "European Defence Fund (EDF)"
    assert edf.programme_part is None  # its only division is the programme itself


def test_statuses_for_fixed_days_ignore_the_status_object() -> None:
    found = records()
    day = date(2026, 9, 1)
    assert {i: r.status(day) for i, r in found.items()} == {
        "HORIZON-MISS-2026-02-CANCER-05": "open",
        "HORIZON-MISS-2027-02-CANCER-06": "forthcoming",
        "AGRIP-MULTI-2021-IM": "closed",
        "EDF-EDIP-P-2026-2027-FNLC-SA-SEAP": "forthcoming",
        "HORIZON-CL6-2027-01-BIODIV-07": "forthcoming",
        "DIGITAL-2026-AI-PILOTING-10-SCREENING": "open",
    }
    (cancer,) = [i for i in raw_items() if i["identifier"] == GRANTS[0]]
    assert cancer["status"]["abbreviation"] == "Open"
    assert found[GRANTS[0]].status(date(2026, 9, 16)) == "closed"
    assert found["EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"].status(date(2027, 2, 17)) == "open"


def test_programme_and_descriptive_fields() -> None:
    found = records()
    cancer = found[GRANTS[0]]
    assert cancer.url == (
        "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
        "topic-details/HORIZON-MISS-2026-02-CANCER-05"
    )
    assert cancer.programme == "Horizon Europe (HORIZON)"
    assert cancer.programme_part == "Health"
    assert cancer.call_identifier == "HORIZON-MISS-2026-02"
    assert cancer.call_title == "Supporting the implementation of the Cancer Mission"
    assert cancer.type_of_action == "HORIZON Innovation Actions"
    assert cancer.tags == (
        "Artificial Intelligence",
        "Psychosocial support",
        "Young Cancer Survivors",
    )
    assert cancer.keywords[0] == "Man-machine-interfaces"
    assert cancer.description_html is None and cancer.budget.is_empty()
    biodiv = found["HORIZON-CL6-2027-01-BIODIV-07"]
    assert biodiv.programme_part == "Biodiversity and Natural Resources"
    assert biodiv.type_of_action == "HORIZON Research and Innovation Actions"
    assert dict(biodiv.extra)["programme_division"] == "HORIZON.2.6.2"
    assert found["AGRIP-MULTI-2021-IM"].programme == "Promotion of Agricultural Products (AGRIP)"
    assert found["AGRIP-MULTI-2021-IM"].programme_part is None  # "AGRIP-1-1" is no label
    digital = found["DIGITAL-2026-AI-PILOTING-10-SCREENING"]
    assert digital.programme == "Digital Europe Programme (DIGITAL)"
    assert digital.programme_part is None


def test_newest_latest_info_goes_to_extra() -> None:
    extra = dict(records()["AGRIP-MULTI-2021-IM"].extra)
    assert extra["latest_info_date"] == "2021-05-19T16:37:05.927"
    assert extra["latest_info"].startswith("<p>54 proposals were submitted")
    assert "latest_info" not in dict(records()["HORIZON-MISS-2027-02-CANCER-06"].extra)


def test_empty_list_is_no_error() -> None:
    assert parse(b'{"fundingData": {"GrantTenderObj": []}}') == []


def altered(change: Any) -> bytes:
    data = json.loads(EXCERPT.read_bytes())
    change(data["fundingData"]["GrantTenderObj"][0])
    return json.dumps(data).encode()


def rename_list(data: dict[str, Any]) -> bytes:
    data["fundingData"]["Grants"] = data["fundingData"].pop("GrantTenderObj")
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (EXCERPT.read_bytes()[:4000], "not valid JSON"),
        (b"<html><body>Service unavailable</body></html>", "not valid JSON"),
        (rename_list(json.loads(EXCERPT.read_bytes())), "no fundingData.GrantTenderObj list"),
    ],
    ids=["truncated", "html", "no-envelope"],
)
def test_malformed_files_raise_source_error(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.source == "ft_bulk"
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda r: r.update(type="1"), "type", "type"),
        (lambda r: r.update(deadlineDatesLong="soon"), "deadlineDatesLong", "type"),
        (lambda r: r.update(deadlineDatesLong=[1789430400]), "deadlineDatesLong", "value"),
        (lambda r: r.update(tags=[1, 2]), "tags", "type"),
        (lambda r: r.pop("identifier"), "identifier", "missing"),
    ],
    ids=["type", "deadlines", "epoch-seconds", "tags", "no-identifier"],
)
def test_a_drifted_record_is_left_out_naming_its_field(
    change: Any, field: str, problem: str
) -> None:
    parsed = list(FtBulk(FtBulkSettings()).parse(Page("ft_bulk", "test", altered(change))))
    errors = [p for p in parsed if isinstance(p, RecordError)]
    assert [(e.source, e.field, e.kind) for e in errors] == [("ft_bulk", field, problem)]
    assert errors[0].key in (GRANTS[0], "#1")
    assert [p.identifier for p in parsed if isinstance(p, CallRecord)] == GRANTS[1:]


# --- fetch through the replay server ---------------------------------------------------------


def client() -> HttpClient:
    return HttpClient(HttpSettings(backoff_seconds=0.01, timeout_seconds=2.0, retries=1))


def source(server: Any) -> FtBulk:
    return FtBulk(FtBulkSettings(url=server.url("/grantsTenders.json"), pause_seconds=0.0))


ETAG = '"5f2a-18c0"'
MODIFIED = "Tue, 08 Sep 2026 04:00:00 GMT"


def conditional(request: Received) -> Reply:
    if request.headers.get("if-none-match") == ETAG:
        return Reply(status=304, headers={"ETag": ETAG})
    return Reply(EXCERPT, headers={"ETag": ETAG, "Last-Modified": MODIFIED})


def test_second_run_sends_validators_and_gets_304(replay_server: Any) -> None:
    replay_server.responder = conditional
    state: dict[str, Any] = {}
    (page,) = list(source(replay_server).fetch(client(), state))
    try:
        assert isinstance(page.body, Path)
        assert page.body.read_bytes() == EXCERPT.read_bytes()
        assert [r.identifier for r in FtBulk(FtBulkSettings()).parse(page)] == GRANTS
    finally:
        assert isinstance(page.body, Path)
        page.body.unlink()
    assert state == {"etag": ETAG, "last_modified": MODIFIED, "not_modified": False}
    assert list(source(replay_server).fetch(client(), state)) == []
    assert state["not_modified"] is True
    first, second = replay_server.received
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == ETAG
    assert second.headers["if-modified-since"] == MODIFIED


def test_malformed_download_fails_in_parse(replay_server: Any) -> None:
    replay_server.add("GET", "/grantsTenders.json", Reply(EXCERPT.read_bytes()[:9000]))
    (page,) = list(source(replay_server).fetch(client(), {}))
    try:
        with pytest.raises(SourceError, match="not valid JSON"):
            list(FtBulk(FtBulkSettings()).parse(page))
    finally:
        assert isinstance(page.body, Path)
        page.body.unlink()


def test_server_error_is_a_source_error(replay_server: Any) -> None:
    replay_server.add("GET", "/grantsTenders.json", Reply(b"oops", status=500))
    with pytest.raises(SourceError, match="HTTP 500"):
        list(source(replay_server).fetch(client(), {}))
    assert len(replay_server.received) == 2  # one retry
