"""ft_search: parse the recorded SEDIA responses; fetch through the replay server."""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import time as clock
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from scrapers.base import Page
from scrapers.errors import SourceError
from scrapers.fields import RecordError
from scrapers.ft_codes import PROGRAMMES
from scrapers.ft_search import FtSearch, FtSearchSettings
from scrapers.http import HttpClient, HttpSettings
from scrapers.record import Budget, CallRecord, Deadline
from tests.conftest import FIXTURES
from tests.replay import Received, Reply

SEDIA = FIXTURES / "sedia"
AI = SEDIA / "search_AI_unfiltered_raw.json"
TOPIC_TEXT = SEDIA / "search_topic-id-text_pretty.json"
OPEN = SEDIA / "search_open_reduced-fields.json"
CASCADE = SEDIA / "search_cascade_type8_reduced-fields.json"

# What each recorded response must yield, in order. A new fixture file fails the test below
# until its expected identifiers are written here.
EXPECTED = {
    AI.name: ["HORIZON-CL4-2025-04-DATA-03"],
    TOPIC_TEXT.name: [],  # ten type-6 topic updates, no call
    OPEN.name: [
        "HORIZON-CL5-2026-09-D4-03",
        "HORIZON-CL5-2026-09-D4-08",
        "HORIZON-JU-CBE-2026-IAFlag-02",
        "HORIZON-JU-CBE-2026-IA-05",
    ],
    CASCADE.name: ["FSTP-11143", "FSTP-11145", "FSTP-11265", "FSTP-11264"],
}


def parse(body: bytes | Path) -> list[CallRecord]:
    return list(FtSearch(FtSearchSettings()).parse(Page("ft_search", "test", body)))


def by_id(path: Path) -> dict[str, CallRecord]:
    return {r.identifier: r for r in parse(path)}


def raw_results(path: Path) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = json.loads(path.read_bytes())["results"]
    return results


@pytest.mark.parametrize("path", sorted(SEDIA.glob("*.json")), ids=lambda p: p.name)
def test_every_recorded_response_yields_its_calls(path: Path) -> None:
    records = parse(path)
    assert [r.identifier for r in records] == EXPECTED[path.name]
    assert all(r.source == "ft_search" and r.source_key == r.identifier for r in records)


def test_translations_and_updates_are_dropped() -> None:
    docs = [(r["metadata"]["language"][0], r["metadata"]["type"][0]) for r in raw_results(AI)]
    assert docs == [("sv", "1"), ("cs", "1"), ("en", "6"), ("en", "1"), ("en", "6")]
    (record,) = parse(AI)
    assert dict(record.extra)["reference"] == "48400948TOPICSen"
    assert record.title == (
        "Software Engineering for AI and generative AI (RIA) (AI/Data/Robotics Partnership)"
    )


def test_topic_id_text_search_holds_only_type_6_updates() -> None:
    results = raw_results(TOPIC_TEXT)
    assert len(results) == 10
    assert {r["metadata"]["type"][0] for r in results} == {"6"}
    assert parse(TOPIC_TEXT) == []


def test_full_topic_fields() -> None:
    record = by_id(AI)["HORIZON-CL4-2025-04-DATA-03"]
    assert record.kind == "grant"
    assert record.programme == "Horizon Europe (HORIZON)"
    assert record.call_identifier == "HORIZON-CL4-2025-04"
    assert record.call_title == "DIGITAL - HADEA"
    assert record.type_of_action == "HORIZON Research and Innovation Actions"  # double space gone
    assert record.url == (
        "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
        "topic-details/HORIZON-CL4-2025-04-DATA-03"
    )
    assert record.description_html is not None
    assert record.description_html.startswith(
        '<span class="topicdescriptionkind">Expected Outcome:</span>'
    )
    assert record.conditions_html is not None
    assert "Admissibility Conditions" in record.conditions_html
    assert record.keywords[:2] == ("HORIZON-CL4-2025-04-DATA-03", "HORIZON-CL4-2025-04")
    assert "AI compute" in record.tags
    assert record.opening_date == date(2025, 6, 10)
    assert record.deadlines == (Deadline(date(2025, 10, 2)),)
    assert record.deadline_model == "single-stage"
    extra = dict(record.extra)
    assert extra["cross_cutting_priorities"] == "AI, PART-COPROGR, DigitalAgenda"
    assert extra["latest_info_date"] == "2025-10-03T17:59:44.318"
    assert "503" in extra["latest_info"]  # proposals submitted, from latestInfos


def test_budget_is_this_topics_entry_not_the_whole_call() -> None:
    (en_doc,) = [r for r in raw_results(AI) if r["reference"] == "48400948TOPICSen"]
    overview = json.loads(en_doc["metadata"]["budgetOverview"][0])
    whole_call = sum(
        int(v)
        for group in overview["budgetTopicActionMap"].values()
        for entry in group
        for v in entry["budgetYearMap"].values()
    )
    assert whole_call == 132_000_000  # seven topics of HORIZON-CL4-2025-04
    record = by_id(AI)["HORIZON-CL4-2025-04-DATA-03"]
    assert record.budget == Budget(
        total_eur=15_000_000, min_grant_eur=4_000_000, max_grant_eur=6_000_000, expected_grants=3
    )


def test_topic_statuses_for_fixed_days() -> None:
    closed = by_id(AI)["HORIZON-CL4-2025-04-DATA-03"]
    assert closed.status(date(2025, 6, 9)) == "forthcoming"
    assert closed.status(date(2025, 10, 2)) == "open"
    assert closed.status(date(2025, 10, 3)) == "closed"
    records = by_id(OPEN)
    d4 = records["HORIZON-CL5-2026-09-D4-03"]
    assert d4.opening_date == date(2026, 5, 5)
    assert d4.deadlines == (Deadline(date(2026, 9, 15)),)
    assert [d4.status(date(2026, m, d)) for m, d in ((5, 4), (9, 15), (9, 16))] == [
        "forthcoming",
        "open",
        "closed",
    ]
    cbe = records["HORIZON-JU-CBE-2026-IA-05"]
    assert cbe.deadlines == (Deadline(date(2026, 9, 22)),)
    assert cbe.status(date(2026, 9, 16)) == "open"
    assert cbe.type_of_action == "HORIZON JU Innovation Actions"
    assert cbe.budget.is_empty()  # the reduced fixture has no budgetOverview


def test_cascade_calls_keyed_apart_though_they_share_a_parent() -> None:
    parents = [r["metadata"]["identifier"][0] for r in raw_results(CASCADE)]
    assert parents[0] == parents[1] == "DIGITAL-2023-SKILLS-05-SPECIALEDU"
    records = by_id(CASCADE)
    metu, gnomon = records["FSTP-11143"], records["FSTP-11145"]
    assert metu.call_identifier == gnomon.call_identifier == "DIGITAL-2023-SKILLS-05-SPECIALEDU"
    assert metu.url == gnomon.url  # the URL id is shared too, so it cannot be the key
    assert (metu.title, gnomon.title) == ("METU Internships Offer", "Gnomon Internships Offer")
    assert (metu.budget.total_eur, gnomon.budget.total_eur) == (30_500, 120_000)
    assert metu.call_title == "SUSA – Sustainable Healthcare with Digital Health Data Competence"
    assert {r.kind for r in records.values()} == {"cascade"}
    assert records["FSTP-11264"].programme == "Horizon Europe (HORIZON)"
    assert records["FSTP-11264"].budget == Budget(total_eur=4_000_000)


def test_cascade_deadlines_keep_utc_times() -> None:
    records = by_id(CASCADE)
    metu = records["FSTP-11143"]
    assert metu.deadline_model == "multiple cut-off"
    assert len(metu.deadlines) == 7
    assert metu.deadlines[:2] == (
        Deadline(date(2025, 9, 2), time(3, 59), "UTC", "cut-off 1"),
        Deadline(date(2026, 1, 3), time(7, 59), "UTC", "cut-off 2"),
    )
    assert metu.deadlines[-1] == Deadline(date(2028, 9, 2), time(3, 59), "UTC", "cut-off 7")
    umx = records["FSTP-11264"]
    assert umx.deadlines == (
        Deadline(date(2025, 9, 30), time(17, 0), "UTC", "cut-off 1"),
        Deadline(date(2026, 9, 29), time(17, 0), "UTC", "cut-off 2"),
    )
    assert umx.status(date(2026, 9, 29)) == "open"
    assert umx.status(date(2026, 9, 30)) == "closed"
    assert metu.status(date(2028, 9, 3)) == "closed"
    assert records["FSTP-11265"].deadlines[3].iso() == "2026-09-15T23:59[UTC]"


def test_same_identifier_twice_keeps_newest_sedia_doc() -> None:
    envelope = json.loads(AI.read_bytes())
    (en_doc,) = [r for r in envelope["results"] if r["reference"] == "48400948TOPICSen"]
    older = copy.deepcopy(en_doc)
    older["metadata"]["esDA_QueueDate"] = ["2025-10-01T05:07:03.326+0200"]
    older["metadata"]["title"] = ["older copy"]
    legacy = copy.deepcopy(en_doc)
    legacy["metadata"]["DATASOURCE"] = ["SEDIA_PRD_CENTRICITY"]
    legacy["metadata"]["esDA_QueueDate"] = ["2026-01-01T00:00:00.000+0200"]
    legacy["metadata"]["title"] = ["legacy copy"]
    for order in ([older, en_doc, legacy], [legacy, en_doc, older]):
        envelope["results"] = order
        (record,) = parse(json.dumps(envelope).encode())
        assert record.title.startswith("Software Engineering for AI")


def altered(path: Path, change: Any) -> bytes:
    data = json.loads(path.read_bytes())
    change(data)
    return json.dumps(data).encode()


def set_deadline_text(data: dict[str, Any]) -> None:
    data["results"][0]["metadata"]["deadlineDate"] = "2026-09-15T00:00:00.000+0000"


def set_total_text(data: dict[str, Any]) -> None:
    data["totalResults"] = "4"


def break_budget(data: dict[str, Any]) -> None:
    data["results"][3]["metadata"]["budgetOverview"] = ['{"budgetTopicActionMap": {']


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (OPEN.read_bytes()[:700], "response is not JSON"),
        (altered(OPEN, lambda d: d.pop("results")), "no 'results' list"),
        (altered(OPEN, set_total_text), "'totalResults' is not an integer"),
    ],
    ids=["truncated", "no-results", "total-type"],
)
def test_malformed_responses_raise_source_error(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.source == "ft_search"
    assert problem in caught.value.problem


def drop_identifier(data: dict[str, Any]) -> None:
    data["results"][0]["metadata"].pop("identifier")


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (altered(OPEN, set_deadline_text), "metadata.deadlineDate", "type"),
        (altered(AI, break_budget), "metadata.budgetOverview", "value"),
        (altered(OPEN, drop_identifier), "metadata.identifier", "missing"),
    ],
    ids=["metadata-type", "budget-json", "no-identifier"],
)
def test_a_drifted_result_is_left_out_naming_its_field(
    body: bytes, field: str, problem: str
) -> None:
    parsed = list(FtSearch(FtSearchSettings()).parse(Page("ft_search", "test", body)))
    errors = [p for p in parsed if isinstance(p, RecordError)]
    assert [(e.source, e.field, e.kind) for e in errors] == [("ft_search", field, problem)]
    records = [p for p in parsed if isinstance(p, CallRecord)]
    # Never keyed by its reference instead: the other results only.
    assert errors[0].key not in {r.source_key for r in records}
    assert all(not r.source_key.endswith("TOPICSen") for r in records)


# --- fetch through the replay server ---------------------------------------------------------


def client() -> HttpClient:
    return HttpClient(HttpSettings(backoff_seconds=0.01, timeout_seconds=2.0))


def source(server: Any, **settings: Any) -> FtSearch:
    return FtSearch(FtSearchSettings(url=server.url("/search"), pause_seconds=0.0, **settings))


def parts(request: Received) -> dict[str, tuple[str | None, str, Any]]:
    """The multipart body as name -> (filename, content type, decoded JSON)."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    assert message.is_multipart()
    found = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(name)] = (part.get_filename(), part.get_content_type(), json.loads(payload))
    return found


def page_number(request: Received) -> int:
    return int(request.query["pageNumber"][0])


def test_request_is_multipart_with_json_blobs(replay_server: Any) -> None:
    replay_server.add("POST", "/search", Reply(OPEN))
    pages = list(source(replay_server).fetch(client(), {}))
    assert [p.read() for p in pages] == [OPEN.read_bytes()]
    (request,) = replay_server.received
    assert request.method == "POST"
    assert request.query == {
        "apiKey": ["SEDIA"],
        "text": ["***"],
        "pageSize": ["100"],
        "pageNumber": ["1"],
    }
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    sent = parts(request)
    assert set(sent) == {"query", "languages", "sort"}
    assert {(filename, kind) for filename, kind, _ in sent.values()} == {
        ("blob", "application/json")
    }
    assert sent["languages"][2] == ["en"]
    assert sent["query"][2] == {
        "bool": {
            "must": [
                {"terms": {"type": ["1", "2", "8"]}},
                {"terms": {"status": ["31094501", "31094502"]}},
                {"term": {"programmePeriod": "2021 - 2027"}},
            ]
        }
    }


def test_pages_until_total_is_reached(replay_server: Any) -> None:
    # The real 4-hit page replayed for every page number; with pageSize 2 that is two pages.
    replay_server.responder = lambda request: Reply(OPEN)
    pages = list(source(replay_server, page_size=2).fetch(client(), {}))
    assert len(pages) == 2
    assert [page_number(r) for r in replay_server.received] == [1, 2]
    assert {r.query["pageSize"][0] for r in replay_server.received} == {"2"}
    assert len([c for p in pages for c in FtSearch(FtSearchSettings()).parse(p)]) == 8


def test_an_empty_page_ends_paging(replay_server: Any) -> None:
    empty = altered(OPEN, lambda d: d.update(results=[]))
    replay_server.responder = lambda r: Reply(OPEN if page_number(r) == 1 else empty)
    pages = list(source(replay_server, page_size=1).fetch(client(), {}))
    assert len(pages) == 2  # totalResults 4 would have needed four pages of one
    assert [page_number(r) for r in replay_server.received] == [1, 2]


def test_more_hits_than_the_window_split_by_programme(replay_server: Any) -> None:
    too_many = altered(OPEN, lambda d: d.update(totalResults=25_000))

    def respond(request: Received) -> Reply:
        query = json.dumps(parts(request)["query"][2])
        return Reply(OPEN if "frameworkProgramme" in query else too_many)

    replay_server.responder = respond
    pages = list(source(replay_server).fetch(client(), {}))
    queries = [parts(r)["query"][2]["bool"] for r in replay_server.received]
    assert len(pages) == len(queries) == 1 + len(PROGRAMMES) + 1
    assert "must_not" not in queries[0] and len(queries[0]["must"]) == 3
    assert [q["must"][3] for q in queries[1:-1]] == [
        {"terms": {"frameworkProgramme": [pid]}} for pid in PROGRAMMES
    ]
    assert queries[-1]["must_not"] == [{"terms": {"frameworkProgramme": list(PROGRAMMES)}}]
    assert len(queries[-1]["must"]) == 3
    assert {page_number(r) for r in replay_server.received} == {1}


def test_retries_after_503(replay_server: Any) -> None:
    replay_server.add("POST", "/search", Reply(b"busy", status=503), Reply(OPEN))
    pages = list(source(replay_server).fetch(client(), {}))
    assert len(pages) == 1 and len(replay_server.received) == 2


def test_honours_retry_after_on_429(replay_server: Any) -> None:
    slow_down = Reply(b"", status=429, headers={"Retry-After": "1"})
    replay_server.add("POST", "/search", slow_down, Reply(OPEN))
    started = clock.monotonic()
    pages = list(source(replay_server).fetch(client(), {}))
    assert clock.monotonic() - started >= 0.9
    assert len(pages) == 1 and len(replay_server.received) == 2


def test_no_answer_in_time_is_a_source_error(replay_server: Any) -> None:
    replay_server.add("POST", "/search", Reply(OPEN, delay=1.0))
    http = HttpClient(HttpSettings(backoff_seconds=0.01, timeout_seconds=0.2))
    with pytest.raises(SourceError) as caught:
        list(source(replay_server).fetch(http, {}))
    assert caught.value.source == "ft_search"
    assert "no answer" in caught.value.problem


def test_garbage_answer_fails_the_fetch(replay_server: Any) -> None:
    replay_server.add("POST", "/search", Reply(b"<html>maintenance</html>"))
    with pytest.raises(SourceError, match="not JSON"):
        list(source(replay_server).fetch(client(), {}))
