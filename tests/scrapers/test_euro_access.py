"""euro_access: the recorded list and detail pages; polite crawling through the replay server."""

from __future__ import annotations

import json
import time as clock
from collections import Counter
from datetime import date, time
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.errors import SourceError
from scrapers.euro_access import EuroAccess, EuroAccessSettings, list_rows
from scrapers.euro_access_fields import contribution, dotted_dates, funding_rate, is_ft_identifier
from scrapers.http import HttpClient, HttpSettings
from scrapers.record import Budget, Deadline
from tests.conftest import FIXTURES
from tests.replay import ReplayServer, Reply

LIST = FIXTURES / "euro_access" / "calls_list.html"
DETAIL = FIXTURES / "euro_access" / "call_detail_135.html"
LIST_URL = "https://www.euro-access.eu/en/calls?keyword=&submit=&sent=search"
DETAIL_URL = (
    "https://www.euro-access.eu/en/calls/135/Erasmus-Charter-for-Higher-Education-5th-cut-off-date"
)
SITE = b"https://www.euro-access.eu"


def source(**settings: Any) -> EuroAccess:
    return EuroAccess(EuroAccessSettings(**settings))


def client() -> HttpClient:
    return HttpClient(HttpSettings(backoff_seconds=0.01))


def detail_record() -> Any:
    (record,) = source().parse(Page("euro_access", DETAIL_URL, DETAIL.read_bytes()))
    return record


@pytest.mark.parametrize(
    "named, programme, part",
    [
        ("Erasmus+", "Erasmus+ (ERASMUS+)", None),
        ("Horizon Europe: Cluster 5 - Climate, Energy and Mobility", "Horizon Europe (HORIZON)",
         "Cluster 5 - Climate, Energy and Mobility"),
        ("Interreg Czechia-Poland", "Interreg Czechia-Poland", None),
    ],
)  # fmt: skip
def test_a_programme_is_named_as_ft_names_it_and_its_part_kept(named, programme, part) -> None:
    # Test construction: the recorded detail page with the funding program of another call of
    # the recorded list (the page's own is "Erasmus+").
    cell = b'<p class="td">Erasmus+</p>'
    html = DETAIL.read_bytes().replace(cell, cell.replace(b"Erasmus+", named.encode()))
    (record,) = source().parse(Page("euro_access", DETAIL_URL, html))
    assert (record.programme, record.programme_part) == (programme, part)


def test_the_list_has_142_rows() -> None:
    rows = list_rows(Page("euro_access", LIST_URL, LIST.read_bytes()))
    assert len(rows) == 142
    assert len({row.key for row in rows}) == 142
    first, last = rows[0], rows[-1]
    assert (first.key, first.programme, first.deadline) == ("135", "Erasmus+", "27.01.2026 17:00")
    assert first.title == "Erasmus Charter for Higher Education - 5th cut-off date"
    assert first.url == DETAIL_URL
    assert (last.key, last.programme, last.deadline) == (
        "2383",
        "Interreg Central Europe Programme",
        "27.11.2025 16:00",
    )
    assert rows[3].title == "KAVA Call 13: Call for Innovation & Education Projects"
    programmes = Counter(row.programme for row in rows)
    assert programmes["Horizon Europe: Cluster 5 - Climate, Energy and Mobility"] == 34
    assert programmes["Interreg Czechia-Poland"] == 5
    assert all(len(dotted_dates(row.deadline)) == 1 for row in rows)


def test_the_list_page_holds_no_call_of_its_own() -> None:
    assert list(source().parse(Page("euro_access", LIST_URL, LIST.read_bytes()))) == []


def test_a_list_shorter_than_its_count_fails() -> None:
    # Test construction: the recorded list with its last row cut out (a paged or cut list).
    html = LIST.read_bytes()
    start = html.rindex(b"<tr>")
    cut = html[:start] + html[html.index(b"</tr>", start) + 5 :]
    with pytest.raises(SourceError, match="says 142 calls but lists 141"):
        list_rows(Page("euro_access", LIST_URL, cut))


def test_the_detail_page() -> None:
    record = detail_record()
    assert record.source_key == "135"
    assert record.identifier == "ERASMUS-EDU-2022-ECHE-CERT-FP"  # the F&T topic id: merges
    assert record.title == "Erasmus Charter for Higher Education - 5th cut-off date"
    assert record.url == DETAIL_URL
    assert record.programme == "Erasmus+ (ERASMUS+)"  # the page's "Erasmus+", as F&T names it
    assert record.opening_date == date(2022, 2, 23)
    assert record.deadlines == (Deadline(date(2026, 1, 27), time(17, 0), None),)
    assert record.tags == ("Education & Training", "Children & Youth", "Media")
    extra = dict(record.extra)
    topic = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/erasmus-edu-2022-eche-cert-fp"
    assert extra["call_link"] == extra["submission_link"] == topic
    assert extra["call_number"] == "ERASMUS-EDU-2022-ECHE-CERT-FP"
    assert extra["mandatory_partnership"] == "No"
    assert record.description_html.startswith("<p>This Call aims at accrediting")
    assert "ECHE holders will be subject to regular monitoring" in record.description_html
    assert "read more" not in record.description_html
    assert record.conditions_html.startswith("<p>In order to be eligible, the applicant must:</p>")
    assert record.budget == Budget()


def test_the_detail_page_eligibility() -> None:
    eligibility = detail_record().eligibility
    assert eligibility.organisation_types == ("research", "higher_education")
    # EU Member States plus the nine countries listed by name.
    assert len(eligibility.countries) == 27 + 9
    assert {"FI", "AL", "BA", "IS", "XK", "LI", "MK", "NO", "RS", "TR"} <= set(
        eligibility.countries
    )
    assert eligibility.text.startswith(
        "Eligible entities: Education and training institution, Research Institution incl. University"
    )
    assert "Türkiye" in eligibility.text
    assert eligibility.regional is False
    assert eligibility.funding_rate_min is None and eligibility.funding_rate_max is None


def test_the_commented_legacy_table_is_not_read() -> None:
    record = detail_record()
    assert "<!--" not in (record.description_html + record.conditions_html)
    assert "<table" not in (record.description_html + record.conditions_html)
    assert len(record.deadlines) == 1


def test_value_wording() -> None:
    # Values quoted in SOURCES.md 8 (Interreg Aurora on euro-access).
    assert funding_rate("50-65 %") == (50.0, 65.0)
    assert funding_rate("80 %") == (80.0, 80.0)
    assert funding_rate("up to 70 %") == (None, 70.0)
    assert funding_rate("") == (None, None)
    assert contribution("min. € 60,000.00") == Budget(min_grant_eur=60000)
    assert contribution("€ 60,000.00 - € 200,000.00") == Budget(
        min_grant_eur=60000, max_grant_eur=200000
    )
    assert contribution("max. € 1,500,000.00") == Budget(max_grant_eur=1500000)
    assert dotted_dates("Opening\n23.02.2022") == [(date(2022, 2, 23), None)]
    assert dotted_dates("17.03.2025 23:59") == [(date(2025, 3, 17), time(23, 59))]


def test_call_numbers_that_are_ft_ids() -> None:
    feed = json.loads(
        (FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json").read_text()
    )
    topics = [g["identifier"] for g in feed["grants"] if g["kind"]["id"] == "1"]
    assert len(topics) == 615 and all(is_ft_identifier(t) for t in topics)
    assert is_ft_identifier("ERASMUS-EDU-2022-ECHE-CERT-FP")
    assert not is_ft_identifier("EuropeAid/186723/DD/ACT/EG")
    assert not is_ft_identifier("5th call for proposals")


def test_a_detail_page_without_an_f_and_t_call_number_gets_a_euro_access_id() -> None:
    # Test construction: the recorded page with the call number row's value blanked.
    html = DETAIL.read_bytes().replace(
        b'<p class="td">ERASMUS-EDU-2022-ECHE-CERT-FP</p>', b'<p class="td">CZ-PL/3</p>'
    )
    (record,) = source().parse(Page("euro_access", DETAIL_URL, html))
    assert record.identifier == "EA-135"


def test_a_page_of_another_shape_fails() -> None:
    shell = (FIXTURES / "ft_portal_html" / "topic_details_page_spa_shell.html").read_bytes()
    with pytest.raises(SourceError, match="neither #calldata nor table#calls-overview"):
        list(source().parse(Page("euro_access", LIST_URL, shell)))


# Fetch-level tests. The recorded list links to https://www.euro-access.eu; as a test
# construction those links are pointed at the replay server.


def serve(
    server: ReplayServer,
    robots: str | None = None,
    list_html: bytes | None = None,
    *before: Reply,
) -> str:
    """Serve the list (after any `before` replies), robots.txt if given, and 135's detail page
    for every call path; returns the list URL."""
    body = (list_html or LIST.read_bytes()).replace(SITE, server.url("").encode())
    detail = DETAIL.read_bytes()

    def respond(request: Any) -> Reply | None:
        return Reply(detail) if request.path.startswith("/en/calls/") else None

    server.responder = respond
    server.replies[("GET", "/en/calls")].clear()
    server.add("GET", "/en/calls", *before, Reply(body))
    if robots is not None:
        server.add("GET", "/robots.txt", Reply(robots.encode()))
    return server.url("/en/calls?keyword=&submit=&sent=search")


def detail_paths(server: ReplayServer) -> list[str]:
    return [r.path for r in server.received if r.path.startswith("/en/calls/")]


def test_first_run_fetches_every_detail_page_then_only_changed_rows(replay_server: Any) -> None:
    url = serve(replay_server)
    crawler, state = source(list_url=url, pause_seconds=0), {}
    pages = list(crawler.fetch(client(), state))
    assert len(pages) == 143 and pages[0].url == url
    assert len(set(detail_paths(replay_server))) == 142
    assert len(state["rows"]) == 142
    assert replay_server.received[0].path == "/robots.txt"  # 404 here: everything allowed

    replay_server.received.clear()
    assert [page.url for page in crawler.fetch(client(), state)] == [url]
    assert detail_paths(replay_server) == []

    # Test construction: the list again with call 135's deadline moved.
    moved = LIST.read_bytes().replace(b"27.01.2026 17:00", b"10.02.2026 17:00")
    url = serve(replay_server, list_html=moved)
    replay_server.received.clear()
    pages = list(crawler.fetch(client(), state))
    assert detail_paths(replay_server) == [
        "/en/calls/135/Erasmus-Charter-for-Higher-Education-5th-cut-off-date"
    ]
    assert len(pages) == 2


def test_robots_txt_is_honoured(replay_server: Any) -> None:
    url = serve(replay_server, robots="User-agent: *\nDisallow: /en/calls/1\n")
    state: dict[str, Any] = {}
    list(source(list_url=url, pause_seconds=0).fetch(client(), state))
    fetched = detail_paths(replay_server)
    assert fetched and not any(path.startswith("/en/calls/1") for path in fetched)
    assert "135" not in state["rows"]  # skipped rows are not marked as seen
    rows = list_rows(Page("euro_access", LIST_URL, LIST.read_bytes()))
    assert len(fetched) == sum(1 for row in rows if not row.key.startswith("1"))


def test_robots_txt_forbidding_the_list_fails_the_run(replay_server: Any) -> None:
    url = serve(replay_server, robots="User-agent: HameFundingRadar\nDisallow: /\n")
    with pytest.raises(SourceError, match="robots.txt disallows"):
        list(source(list_url=url, pause_seconds=0).fetch(client(), {}))
    assert [r.path for r in replay_server.received] == ["/robots.txt"]


def test_requests_are_paced(replay_server: Any) -> None:
    url = serve(replay_server)
    state: dict[str, Any] = {}
    list(source(list_url=url, pause_seconds=0).fetch(client(), state))
    del state["rows"]["135"]  # as if call 135 were new
    started = clock.monotonic()
    pages = list(source(list_url=url, pause_seconds=0.2).fetch(client(), state))
    assert len(pages) == 2
    assert clock.monotonic() - started >= 0.4  # robots.txt, pause, list, pause, one detail page


def test_a_list_page_without_the_table_fails_the_run(replay_server: Any) -> None:
    url = serve(replay_server, list_html=DETAIL.read_bytes())  # a real page of another shape
    with pytest.raises(SourceError, match="no table#calls-overview"):
        list(source(list_url=url, pause_seconds=0).fetch(client(), {}))


def test_a_server_error_on_the_list_is_retried(replay_server: Any) -> None:
    url = serve(replay_server, None, None, Reply(status=503))
    pages = list(source(list_url=url, pause_seconds=0).fetch(client(), {}))
    assert pages[0].url == url and len(pages) == 143
    assert [r.path for r in replay_server.received[:3]] == ["/robots.txt", "/en/calls", "/en/calls"]
