"""eu_grants_feed: the recorded 2026-08-22 snapshot; conditional GET through the replay server."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, time
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.errors import SourceError
from scrapers.eu_grants_feed import (
    EuGrantsFeed,
    EuGrantsFeedSettings,
    clean_label,
    programme_labels,
)
from scrapers.http import HttpClient, HttpSettings
from scrapers.record import Budget, CallRecord, Deadline
from tests.conftest import FIXTURES
from tests.replay import Reply

SNAPSHOT = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"
TODAY = date(2026, 8, 22)  # the snapshot's generatedAt
PATH = "/MichelNivard/eu-grants-feed/main/data/grants.json"


def page() -> Page:
    return Page("eu_grants_feed", "test", SNAPSHOT)


def records() -> list[CallRecord]:
    return list(EuGrantsFeed(EuGrantsFeedSettings()).parse(page()))


def by_identifier() -> dict[str, CallRecord]:
    return {r.identifier: r for r in records()}


def test_723_calls_each_once() -> None:
    found = records()
    assert len(found) == 723
    assert len({r.identifier for r in found}) == 723
    assert len({r.source_key for r in found}) == 723
    assert Counter(r.kind for r in found) == {"grant": 615, "cascade": 83, "external": 25}


def test_a_topic() -> None:
    record = by_identifier()["HORIZON-CL5-2027-07-D3-16"]
    assert record.source_key == "50129698TOPICSen"
    assert record.title.startswith("Industrial processes and equipment for innovative, reliable")
    assert record.url.endswith("/topic-details/HORIZON-CL5-2027-07-D3-16")
    assert (record.call_identifier, record.call_title) == ("HORIZON-CL5-2027-07", "ENERGY")
    assert record.programme == "Horizon Europe (HORIZON)"
    assert record.programme_part == (
        "Global Challenges and European Industrial Competitiveness / Climate, Energy and Mobility"
        " / Energy Supply"
    )
    assert record.type_of_action == "HORIZON Innovation Actions"
    assert record.opening_date == date(2027, 8, 4)
    assert record.deadlines == (Deadline(date(2027, 12, 1)),)  # UTC midnight: a date only
    assert record.budget == Budget(28500000, 9500000, 9500000, 3)
    assert record.description_html.startswith("<p>Expected Outcome:</p><p>The REPowerEU plan")
    assert dict(record.extra)["portal_status"] == "Forthcoming"
    assert record.status(TODAY) == "forthcoming"


def test_cascade_calls_are_keyed_by_their_reference_like_ft_search() -> None:
    # 57 cascade calls share a parent topic id; the parent cannot be the key (SOURCES.md 12.4).
    record = by_identifier()["FSTP-15342"]
    assert record.source_key == "15342COMPETITIVE_CALLen"
    assert record.kind == "cascade"
    assert record.call_identifier == "HORIZON-EIE-2021-INNOVSMES-01-01"
    assert record.title.startswith("European Partnership on Innovative SMEs/Eurostars")
    assert dict(record.extra)["parent_title"] == "European Partnership on Innovative SMEs"
    assert record.deadlines == (Deadline(date(2027, 3, 4), time(14, 0), "UTC"),)
    assert record.description_html is None  # the feed's abstract is empty
    parents = Counter(r.call_identifier for r in records() if r.kind == "cascade")
    assert parents["HORIZON-EIE-2021-INNOVSMES-01-01"] > 1


def test_external_action_calls() -> None:
    record = by_identifier()["EuropeAid/186723/DD/ACT/EG"]
    assert record.kind == "external"
    assert record.programme == "EU External Action - Prospect (RELEX-PROSPECT)"
    assert record.deadlines == (Deadline(date(2026, 9, 30), time(11, 0), "UTC"),)
    assert (
        record.url
        == "https://webgate.ec.europa.eu/prospect/external/publishedcalls.htm?callId=186723"
    )
    without = sorted(r.identifier for r in records() if not r.deadlines)
    assert len(without) == 5 and all(i.startswith("EuropeAid/") for i in without)


def test_budgets_in_whole_euros() -> None:
    found = by_identifier()
    # totalBudgetEur 72323812.37 in the feed.
    assert found["HORIZON-MISS-2027-01-CLIMA-01"].budget == Budget(72323812, 10000000, 15000000, 5)
    assert sum(1 for r in found.values() if r.budget.is_empty()) == 108 + 3


def test_programme_names_follow_ft_codes() -> None:
    programmes = Counter(r.programme for r in records())
    # SOURCES.md 10: 31 LIFE and 6 Erasmus+ open or forthcoming topics on 2026-08-22.
    assert programmes["Programme for the Environment and Climate Action (LIFE)"] == 31
    assert programmes["Erasmus+ (ERASMUS+)"] == 6  # the feed spells it "Erasmus  (ERASMUS )"
    assert programmes["Research Fund for Coal & Steel (RFCS)"] == 7
    assert None not in programmes
    assert not any(r.programme_part and r.programme_part.isdigit() for r in records())


def test_status_is_computed_from_dates_not_trusted() -> None:
    found = records()
    assert Counter(dict(r.extra)["portal_status"] for r in found) == {
        "Open for submission": 454,
        "Forthcoming": 269,
    }
    assert Counter(r.status(TODAY) for r in found) == {"open": 455, "forthcoming": 268}
    # It opened on 17 August; the feed still called it forthcoming on the 22nd.
    stale = by_identifier()["FSTP-15301"]
    assert dict(stale.extra)["portal_status"] == "Forthcoming"
    assert stale.opening_date == date(2026, 8, 17) and stale.status(TODAY) == "open"


def test_programme_labels_from_the_facets() -> None:
    labels = programme_labels(page())
    assert len(labels["frameworkProgramme"]) == 30
    assert len(labels["programmeDivision"]) == 173
    assert labels["frameworkProgramme"]["43108390"] == "Horizon Europe (HORIZON)"
    assert labels["frameworkProgramme"]["43353764"] == "Erasmus+ (ERASMUS+)"
    assert (
        labels["programmeDivision"]["43108541"]
        == "Global Challenges and European Industrial Competitiveness"
    )
    assert "Reforming and enhancing the European R&I System" in labels["programmeDivision"].values()
    assert "Marie Skłodowska-Curie Actions (MSCA)" in labels["programmeDivision"].values()


def test_clean_label() -> None:
    assert clean_label("Erasmus  (ERASMUS )") == "Erasmus (ERASMUS)"
    assert clean_label("European Social Fund   (ESF) ") == "European Social Fund (ESF)"
    assert (
        clean_label("Research Fund for Coal %26 Steel (RFCS)")
        == "Research Fund for Coal & Steel (RFCS)"
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"facets": {}, "results": []}', "grants"),
        (b'{"grants": []}', "facets"),
        (b'{"grants": [], "facets": {"frameworkProgramme": []}}', "programmeDivision"),
        (b"<html>rate limited</html>", "not JSON"),
    ],
)
def test_a_changed_snapshot_fails_loudly(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        list(EuGrantsFeed(EuGrantsFeedSettings()).parse(Page("eu_grants_feed", "test", body)))


def test_fetch_uses_http_validators(replay_server: Any) -> None:
    replay_server.add(
        "GET", PATH, Reply(SNAPSHOT, headers={"ETag": '"075098137c"'}), Reply(status=304)
    )
    url = replay_server.url(PATH)
    feed, state = EuGrantsFeed(EuGrantsFeedSettings(url=url, pause_seconds=0)), {}
    client = HttpClient(HttpSettings(backoff_seconds=0.01))
    (first,) = feed.fetch(client, state)
    assert first.url == url and state["etag"] == '"075098137c"'
    assert len(list(feed.parse(first))) == 723
    assert list(feed.fetch(client, state)) == []  # 304: unchanged since the last run
    assert replay_server.received[1].headers["if-none-match"] == '"075098137c"'


def test_a_server_error_is_retried(replay_server: Any) -> None:
    replay_server.add("GET", PATH, Reply(status=502), Reply(SNAPSHOT))
    feed = EuGrantsFeed(EuGrantsFeedSettings(url=replay_server.url(PATH), pause_seconds=0))
    pages = list(feed.fetch(HttpClient(HttpSettings(backoff_seconds=0.01)), {}))
    assert len(pages) == 1 and len(replay_server.received) == 2
    assert json.loads(pages[0].read())["generatedAt"] == "2026-08-22T05:41:38.000Z"
