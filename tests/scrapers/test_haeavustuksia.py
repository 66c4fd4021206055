"""haeavustuksia: the recorded list item and page envelope; paging and totals via the replay server."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.dates import helsinki_date, helsinki_deadline
from scrapers.errors import SourceError
from scrapers.haeavustuksia import Haeavustuksia, HaeavustuksiaSettings, call_record
from scrapers.http import HttpClient, HttpSettings
from scrapers.record import CallRecord, Deadline
from tests.conftest import FIXTURES
from tests.replay import Received, Reply

ITEM_FILE = FIXTURES / "finland" / "haeavustuksia_list_item.json"
PAGE_FILE = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"
ITEM: dict[str, Any] = json.loads(ITEM_FILE.read_text())
CALL_URL = HaeavustuksiaSettings().call_url
PATH = "/api/haku/list-items"


def source(url: str) -> Haeavustuksia:
    return Haeavustuksia(HaeavustuksiaSettings(url=url, pause_seconds=0))


def client() -> HttpClient:
    return HttpClient(HttpSettings(backoff_seconds=0.01))


def test_the_recorded_item_prefers_english_and_keeps_the_other_languages() -> None:
    record = call_record(ITEM, CALL_URL)
    assert record.source_key == record.identifier == "va-lou-2026-5"
    assert record.title == "discretionary government grant for private roads"
    assert record.description_html == "<p>Discretionary government grant for private roads</p>"
    assert record.url == "https://www.haeavustuksia.fi/fi/haku/va-lou-2026-5"
    extra = dict(record.extra)
    assert extra["title_fi"] == "Yksityisteiden valtionavustukset"
    assert extra["title_sv"] == "Statsbidrag för enskilda vägar"
    assert extra["description_fi"].startswith("Tiekunta voi hakea avustusta yksityistien")
    assert extra["organiser"] == "Economic Development Centre of Southwest Finland"
    assert extra["organiser_abbreviation"] == "LOU"
    assert record.eligibility.countries == ("FI",)


def test_a_continuous_call_has_no_deadline() -> None:
    record = call_record(ITEM, CALL_URL)
    assert record.continuous is True
    assert record.deadlines == ()
    # The end date is technical (2036-12-31 23:59 in Helsinki): no deadline, but it ends the call.
    assert record.technical_end == date(2036, 12, 31)
    assert record.status(date(2026, 8, 22)) == "open"
    assert record.status(date(2036, 12, 31)) == "open"
    assert record.status(date(2037, 1, 1)) == "closed"


def test_utc_instants_become_helsinki_dates() -> None:
    # 2025-12-31T22:00Z is midnight of 1 January in Helsinki (UTC+2 in winter).
    assert call_record(ITEM, CALL_URL).opening_date == date(2026, 1, 1)
    assert helsinki_date(ITEM["hakuAlkaaDateTimeUtc"]) == date(2026, 1, 1)
    assert helsinki_deadline(ITEM["hakuAlkaaDateTimeUtc"]) == Deadline(
        date(2026, 1, 1), None, "Europe/Helsinki"
    )
    assert helsinki_deadline(ITEM["hakuPaattyyDateTimeUtc"]) == Deadline(
        date(2036, 12, 31), time(23, 59), "Europe/Helsinki"
    )
    # Summer time is UTC+3: 20:59Z is 23:59 the same day.
    assert helsinki_deadline("2026-06-30T20:59:00Z").time == time(23, 59)


def test_a_call_with_a_deadline_keeps_its_helsinki_time() -> None:
    item = {**ITEM, "hakuTyyppi": "Määräaikainen"}  # test construction: a fixed-term call
    record = call_record(item, CALL_URL)
    assert record.continuous is False
    assert record.deadlines == (Deadline(date(2036, 12, 31), time(23, 59), "Europe/Helsinki"),)
    assert record.technical_end is None


def test_the_reduced_page_has_finnish_text_only() -> None:
    page = Page("haeavustuksia", "test", PAGE_FILE.read_bytes())
    (record,) = Haeavustuksia(HaeavustuksiaSettings()).parse(page)
    assert record.identifier == "va-lou-2026-5"
    assert record.title == "Yksityisteiden valtionavustukset"
    assert (
        record.description_html == "<p>Tiekunta voi hakea avustusta yksityistien parantamiseen.</p>"
    )
    assert dict(record.extra)["title_sv"] == "Statsbidrag för enskilda vägar"
    assert "description_en" not in dict(record.extra)
    assert record.opening_date == date(2026, 1, 1)
    assert record.continuous and record.deadlines == ()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"items": []}', "totalCount"),
        (b'{"totalCount": 1, "pageCount": 1}', "hakuilmoitukset"),
        (b"<html>maintenance</html>", "not JSON"),
    ],
)
def test_a_changed_response_fails_loudly(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        list(Haeavustuksia(HaeavustuksiaSettings()).parse(Page("haeavustuksia", "test", body)))


def test_fetch_walks_every_page(replay_server: Any) -> None:
    # The recorded envelope says totalCount 2 over pageCount 2, one item on each page.
    replay_server.add("GET", PATH, Reply(PAGE_FILE.read_bytes()))
    url = replay_server.url(PATH)
    pages = list(source(url).fetch(client(), {}))
    assert len(pages) == 2
    assert [r.query["Pagination.Page"] for r in replay_server.received] == [["1"], ["2"]]
    query = replay_server.received[0].query
    assert query["Pagination.PageSize"] == ["100"]
    assert query["ShowEnded"] == ["false"] and query["ShowFuture"] == ["true"]
    assert all(page.url.startswith(url + "?") for page in pages)
    assert "Pagination.Page=2" in pages[1].url


def test_fewer_items_than_total_count_fail_the_run(replay_server: Any) -> None:
    # Test construction: page 2 keeps the recorded envelope's counts but holds no item.
    empty = {**json.loads(PAGE_FILE.read_text()), "hakuilmoitukset": []}

    def respond(request: Received) -> Reply:
        second = request.query["Pagination.Page"] == ["2"]
        return Reply(json.dumps(empty).encode()) if second else Reply(PAGE_FILE.read_bytes())

    replay_server.responder = respond
    with pytest.raises(SourceError, match="totalCount is 2 but 2 page.s. held 1 items"):
        list(source(replay_server.url(PATH)).fetch(client(), {}))


def test_a_server_error_is_retried(replay_server: Any) -> None:
    body = json.dumps({"totalCount": 1, "pageCount": 1, "hakuilmoitukset": [ITEM]}).encode()
    replay_server.add("GET", PATH, Reply(status=502), Reply(body))
    pages = list(source(replay_server.url(PATH)).fetch(client(), {}))
    assert len(pages) == 1 and len(replay_server.received) == 2
    records: list[CallRecord] = list(Haeavustuksia(HaeavustuksiaSettings()).parse(pages[0]))
    assert [r.identifier for r in records] == ["va-lou-2026-5"]


def test_an_error_that_persists_fails_the_run(replay_server: Any) -> None:
    replay_server.add("GET", PATH, Reply(status=500))
    with pytest.raises(SourceError, match="HTTP 500"):
        list(source(replay_server.url(PATH)).fetch(client(), {}))
