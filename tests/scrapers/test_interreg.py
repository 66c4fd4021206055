"""interreg: the recorded Algolia response; key handling, paging and errors via the replay server."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.eligibility import covers_kanta_hame, eligible_for_kanta_hame
from scrapers.errors import SourceError
from scrapers.fields import RecordError
from scrapers.http import HttpClient, HttpSettings
from scrapers.interreg import Interreg, InterregSettings, call_record
from scrapers.record import CallRecord, Deadline, Eligibility
from tests.conftest import FIXTURES
from tests.replay import Received, Reply

FIXTURE = FIXTURES / "interreg" / "interreg_eu_algolia_open_calls.json"
RAW: dict[str, Any] = json.loads(FIXTURE.read_text())
HITS: list[dict[str, Any]] = RAW["results"][0]["hits"]
PATH = "/1/indexes/*/queries"


def records() -> list[CallRecord]:
    return list(Interreg(InterregSettings()).parse(Page("interreg", "test", FIXTURE.read_bytes())))


def source(endpoint: str, key: str = "public-search-key") -> Interreg:
    return Interreg(InterregSettings(endpoint=endpoint, api_key=key, pause_seconds=0))


def client() -> HttpClient:
    return HttpClient(HttpSettings(backoff_seconds=0.01))


def test_the_three_sudoe_calls() -> None:
    found = records()
    assert [r.identifier for r in found] == ["INTERREG-3129", "INTERREG-3090", "INTERREG-3091"]
    assert [r.source_key for r in found] == [h["objectID"] for h in HITS]
    assert found[0].title == "3rd Interreg Sudoe call: on the road to capitalisation"
    assert found[0].url == (
        "https://interreg.eu/calls-for-projects/3rd-interreg-sudoe-call-on-the-road-to-capitalisation/"
    )
    assert dict(found[0].extra)["call_page"] == "https://interreg-sudoe.eu/3a-convocatoria/"
    assert {r.programme for r in found} == {"Interreg South West Europe (SUDOE)"}
    assert [r.tags for r in found] == [
        ("Better Governance",),
        ("Greener Europe", "Social Europe"),
        ("Better Governance",),
    ]


def test_deadlines_are_dates() -> None:
    found = records()
    assert [r.deadlines for r in found] == [
        (Deadline(date(2026, 9, 30)),),
        (Deadline(date(2026, 10, 30)),),
        (Deadline(date(2026, 9, 30)),),
    ]
    assert {r.opening_date for r in found} == {date(2026, 5, 4)}


def test_countries_and_regions_are_kept() -> None:
    for record, hit in zip(records(), HITS, strict=True):
        assert record.eligibility.countries == ("AD", "ES", "FR", "PT")
        assert record.eligibility.regions == tuple(hit["callEligibleRegionNuts"])
        assert "ES111" in record.eligibility.regions and "PT11A" in record.eligibility.regions
    assert [len(r.eligibility.regions) for r in records()] == [126, 126, 137]
    # The region *names* repeat (Cantabria is both ES13 and ES130); the codes do not.
    assert HITS[0]["callEligibleRegionNames"].count("Cantabria") == 2


def test_repeated_regions_are_kept_once() -> None:
    raw = HITS[0]["callEligibleRegionNuts"]
    hit = {**HITS[0], "callEligibleRegionNuts": raw + raw[:10]}  # test construction
    assert call_record(hit, "https://interreg.eu").eligibility.regions == tuple(raw)


def test_target_audiences_map_onto_organisation_types() -> None:
    first, second, _ = records()
    # "Enterprise, except SME" is a large company, not an SME; only the second call lists SMEs.
    assert first.eligibility.organisation_types == ("research", "higher_education", "public", "ngo")
    assert second.eligibility.organisation_types == (
        "sme",
        "large",
        "research",
        "higher_education",
        "public",
        "ngo",
    )
    assert (
        second.eligibility.text is not None and "Enterprise, except SME" in second.eligibility.text
    )


def test_no_recorded_call_is_open_to_kanta_hame() -> None:
    for record in records():
        assert record.eligibility.regional is False
        assert eligible_for_kanta_hame(record) is False


def test_the_kanta_hame_rule() -> None:
    assert (
        covers_kanta_hame(["FI1C2"]) and covers_kanta_hame(["FI1C"]) and covers_kanta_hame(["FI"])
    )
    assert not covers_kanta_hame(["FI1D7", "FI1C1", "SE33"])
    base = records()[0]

    def with_eligibility(countries: tuple[str, ...], regions: tuple[str, ...]) -> CallRecord:
        # Test construction: the recorded call with another eligible area.
        return dataclasses.replace(
            base, eligibility=Eligibility(countries=countries, regions=regions)
        )

    assert eligible_for_kanta_hame(with_eligibility(("FI", "SE"), ("FI1C2", "SE110")))
    assert eligible_for_kanta_hame(with_eligibility(("FI", "EE"), ("FI1C", "EE001")))
    # Finland eligible with no Finnish region named: the whole country counts.
    assert eligible_for_kanta_hame(with_eligibility(("FI", "SE"), ("SE110",)))
    # Finland restricted to Lapland (Interreg Aurora): not Kanta-Häme.
    assert not eligible_for_kanta_hame(with_eligibility(("FI", "SE"), ("FI1D7", "SE332")))


def test_an_empty_key_fails_before_any_request(replay_server: Any) -> None:
    with pytest.raises(SourceError, match="sources.interreg.api_key"):
        list(source(replay_server.url(PATH), key="").fetch(client(), {}))
    assert replay_server.received == []


def test_fetch_sends_the_search_and_yields_the_response(replay_server: Any) -> None:
    replay_server.add("POST", PATH, Reply(FIXTURE.read_bytes()))
    url = replay_server.url(PATH)
    pages = list(source(url).fetch(client(), {}))
    assert [page.url for page in pages] == [url]
    (request,) = replay_server.received
    assert request.headers["x-algolia-application-id"] == "2E032DRCNS"
    assert request.headers["x-algolia-api-key"] == "public-search-key"
    (query,) = json.loads(request.body)["requests"]
    assert query["indexName"] == "prod_en-us_content"
    assert query["filters"] == InterregSettings().filters
    assert query["page"] == 0 and query["hitsPerPage"] == 100


def test_a_403_says_the_key_must_be_renewed_and_where(replay_server: Any) -> None:
    replay_server.add(
        "POST", PATH, Reply(b'{"message":"Invalid API key","status":403}', status=403)
    )
    with pytest.raises(SourceError) as failure:
        list(source(replay_server.url(PATH)).fetch(client(), {}))
    message = str(failure.value)
    assert "403" in message and "renewed" in message
    assert "sources.interreg.api_key" in message and "RADAR_SOURCES_INTERREG_API_KEY" in message


def test_a_server_error_is_retried(replay_server: Any) -> None:
    replay_server.add("POST", PATH, Reply(status=503), Reply(FIXTURE.read_bytes()))
    pages = list(source(replay_server.url(PATH)).fetch(client(), {}))
    assert len(pages) == 1 and len(replay_server.received) == 2


def test_every_result_page_is_fetched(replay_server: Any) -> None:
    # Test construction: the recorded result as two pages of one search (nbPages 2, nbHits 6).
    def respond(request: Received) -> Reply:
        result = {**RAW["results"][0], "nbPages": 2, "nbHits": 6}
        return Reply(json.dumps({"results": [result]}).encode())

    replay_server.responder = respond
    pages = list(source(replay_server.url(PATH)).fetch(client(), {}))
    assert len(pages) == 2
    assert [json.loads(r.body)["requests"][0]["page"] for r in replay_server.received] == [0, 1]


def test_lost_hits_fail_the_run(replay_server: Any) -> None:
    result = {**RAW["results"][0], "nbHits": 4}  # test construction: one hit fewer than counted
    replay_server.add("POST", PATH, Reply(json.dumps({"results": [result]}).encode()))
    with pytest.raises(SourceError, match="nbHits is 4 but 3 hits"):
        list(source(replay_server.url(PATH)).fetch(client(), {}))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"hits": []}', "results"),
        (b'{"results": []}', "results is empty"),
        (b'{"results": [{"nbHits": 0}]}', "hits"),
    ],
)
def test_a_changed_response_fails_loudly(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        list(Interreg(InterregSettings()).parse(Page("interreg", "test", body)))


def test_a_hit_without_its_object_id_is_left_out() -> None:
    data = json.loads(FIXTURE.read_bytes())
    hit = data["results"][0]["hits"][0]
    title = hit.pop("objectID") and hit["title"]
    parsed = list(
        Interreg(InterregSettings()).parse(Page("interreg", "test", json.dumps(data).encode()))
    )
    errors = [p for p in parsed if isinstance(p, RecordError)]
    assert [(e.key, e.field, e.kind) for e in errors] == [("#1", "objectID", "missing")]
    assert title not in [p.title for p in parsed if not isinstance(p, RecordError)]
