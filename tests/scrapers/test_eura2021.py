"""eura2021: the recorded call row and code lists, wrapped in the page's data script."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from scrapers.base import Page
from scrapers.eligibility import eligible_for_kanta_hame
from scrapers.errors import SourceError
from scrapers.eura2021 import Eura2021, Eura2021Settings, call_record, code_name, embedded_data
from scrapers.fields import RecordError
from scrapers.http import HttpClient, HttpSettings
from scrapers.maakunnat import MAAKUNNAT
from scrapers.record import CallRecord, Deadline, Eligibility
from tests.conftest import FIXTURES
from tests.replay import Reply

FIXTURE = json.loads((FIXTURES / "finland" / "eura2021_call_row_and_codes.json").read_text())
ROW: dict[str, Any] = FIXTURE["row"]
CODES: dict[str, Any] = FIXTURE["codes"]
DETAIL = Eura2021Settings().detail_url


def page_html(rows: list[dict[str, Any]], codes: dict[str, Any] | None = CODES) -> bytes:
    """Test construction: the fixture has no page, so wrap the real data as the site embeds it
    (URL-encoded JSON in a __PREACT_CLI_DATA__ script, SOURCES.md 9.1)."""
    data: dict[str, Any] = {"hankehaku": rows}
    if codes is not None:
        data["koodisto"] = codes
    blob = quote(json.dumps({"preRenderData": data}, ensure_ascii=False))
    return f'<html><body><div id="app"></div><script type="__PREACT_CLI_DATA__">{blob}</script></body></html>'.encode()


def parse(body: bytes) -> list[CallRecord]:
    return list(Eura2021(Eura2021Settings()).parse(Page("eura2021", DETAIL, body)))


def test_the_recorded_row_becomes_a_record() -> None:
    (record,) = parse(page_html([ROW]))
    assert record.source_key == "f3d9fe5a-6b79-4a97-afb7-f9786a9a4097"
    assert record.identifier == record.call_identifier == "ESAELY-002"
    assert (
        record.title == "Valtakunnallinen Innovaatio- ja osaamisverkostot (EAKR) valmisteluhankkeet"
    )
    assert record.url == (
        "https://eura2021.fi/hakuilmoitukset/hakuilmoitus/f3d9fe5a-6b79-4a97-afb7-f9786a9a4097/"
    )
    assert record.opening_date == date(2022, 4, 1)
    assert record.deadlines == (Deadline(date(2022, 5, 10), timezone="Europe/Helsinki"),)
    assert record.programme == "European Regional Development Fund (ERDF)"
    extra = dict(record.extra)
    assert extra["authority"] == "Itä-Suomen elinvoimakeskus"
    assert extra["authority_code"] == "6207"
    assert extra["area"] == "VALTAKUNNALLINEN"
    assert extra["eura_status"] == "paattynyt"
    assert record.status(date(2026, 8, 22)) == "closed"


def test_the_recorded_extract_itself_parses_as_its_page_would() -> None:
    """`make run` loads the recording offline: the file as ../shared keeps it, no page around it."""
    recorded = (FIXTURES / "finland" / "eura2021_call_row_and_codes.json").read_bytes()
    assert parse(recorded) == parse(page_html([ROW]))
    with pytest.raises(SourceError, match="recorded extract has no 'row'"):
        parse(b'{"rows": []}')
    with pytest.raises(SourceError, match="not JSON"):
        parse(b"{not json")


def test_a_national_call_of_another_authority_is_not_regional() -> None:
    (record,) = parse(page_html([ROW]))
    assert record.eligibility == Eligibility(countries=("FI",))


def test_code_lists_name_hameen_liitto_and_kanta_hame() -> None:
    assert code_name(CODES, "viranomainen", "2605") == "Hämeen liitto"
    assert code_name(CODES, "maakunta", "05") == "Kanta-Häme"
    assert code_name(CODES, "viranomainen", "6207") == "Itä-Suomen elinvoimakeskus"
    assert code_name(CODES, "maakunta", "no-such-code") == "no-such-code"
    as_list = {"maakunta": list(CODES["maakunta"].values())}  # the other shape a list may take
    assert code_name(as_list, "maakunta", "05") == "Kanta-Häme"


def test_a_call_of_hameen_liitto_is_regional() -> None:
    row = {**ROW, "viranomainen": "2605"}  # test construction: the real row under authority 2605
    record = call_record(row, CODES, DETAIL)
    assert record.eligibility.regional is True
    assert record.eligibility.regions == ("FI1C2",)
    assert dict(record.extra)["authority"] == "Hämeen liitto"


def test_a_call_whose_regions_include_kanta_hame_is_regional() -> None:
    # Test construction: the real row handled by Uudenmaan liitto for the regions its real
    # code-list entry covers, which include Kanta-Häme (05).
    regions = CODES["viranomainen"]["2601"]["maakunta"]
    assert "05" in regions
    record = call_record({**ROW, "viranomainen": "2601", "maakunnat": regions}, CODES, DETAIL)
    assert record.eligibility.regional is True
    # Päijät-Häme, Kanta-Häme, Varsinais-Suomi, Uusimaa, Kymenlaakso; the area codes name none.
    assert record.eligibility.regions == ("FI1C3", "FI1C2", "FI1C1", "FI1B1", "FI1C4")
    assert record.eligibility.text is not None and "Kanta-Häme" in record.eligibility.text
    assert dict(record.extra)["authority"] == "Uudenmaan liitto"


def test_regions_without_kanta_hame_are_not_regional() -> None:
    regions = CODES["viranomainen"]["6207"]["maakunta"]  # Itä-Suomi: 10, 11, 12 and wider areas
    record = call_record({**ROW, "maakunnat": regions}, CODES, DETAIL)
    assert record.eligibility.regional is False
    assert record.eligibility.regions == ("FI1D3", "FI1D2", "FI1D1")
    assert not eligible_for_kanta_hame(record)
    assert record.eligibility.text is not None and "Pohjois-Savo" in record.eligibility.text


def test_every_maakunta_code_of_the_table_names_the_region_of_the_real_code_list() -> None:
    numbered = {code for code in CODES["maakunta"] if code.isdigit()}
    assert set(MAAKUNNAT) == numbered
    assert {code: name for code, (name, _) in MAAKUNNAT.items()} == {
        code: CODES["maakunta"][code]["fi"] for code in numbered
    }


def test_a_lapland_only_call_is_not_open_in_kanta_hame_and_a_kanta_hame_call_is() -> None:
    # Test construction: the real row limited to the regions of two real authority entries.
    lapland = call_record({**ROW, "maakunnat": ["19"]}, CODES, DETAIL)
    assert lapland.eligibility.regions == ("FI1D7",)
    assert not eligible_for_kanta_hame(lapland)
    hame = call_record({**ROW, "maakunnat": ["05"]}, CODES, DETAIL)
    assert hame.eligibility.regions == ("FI1C2",) and hame.eligibility.regional
    assert eligible_for_kanta_hame(hame)
    national = call_record(ROW, CODES, DETAIL)  # the real row: no maakunta, all Finland
    assert national.eligibility.regions == () and eligible_for_kanta_hame(national)


def test_without_hakutunnus_the_identifier_is_the_eura_id() -> None:
    record = call_record({**ROW, "hakutunnus": None}, CODES, DETAIL)
    assert record.identifier == "EURA-f3d9fe5a-6b79-4a97-afb7-f9786a9a4097"
    assert record.call_identifier is None


def test_missing_code_lists_leave_codes_as_names() -> None:
    (record,) = parse(page_html([ROW], codes=None))
    assert dict(record.extra)["authority"] == "6207"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html><body><div id='app'></div></body></html>", "__PREACT_CLI_DATA__"),
        (b'<script type="__PREACT_CLI_DATA__">%7Bnot json</script>', "not URL-encoded JSON"),
        (b'<script type="__PREACT_CLI_DATA__">%7B%22x%22%3A1%7D</script>', "preRenderData"),
        (page_html([ROW]).replace(b"hankehaku", b"hakemukset"), "hankehaku"),
    ],
)
def test_a_page_without_the_expected_data_fails_loudly(body: bytes, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        parse(body)


@pytest.mark.parametrize(
    ("row", "field", "problem"),
    [
        ({**ROW, "otsikko": None}, "otsikko", "missing"),
        ({**ROW, "hakuaika": {"alku": "1.4.2022"}}, "hakuaika.alku", "value"),
        ({**ROW, "hakuaika": {"loppu": 20220430}}, "hakuaika.loppu", "type"),
    ],
    ids=["no-title", "dotted-date", "numeric-date"],
)
def test_a_drifted_row_is_left_out_naming_its_field(row: dict, field: str, problem: str) -> None:
    (error,) = parse(page_html([row]))
    assert isinstance(error, RecordError)
    assert (error.source, error.key, error.field, error.kind) == (
        "eura2021",
        ROW["id"],
        field,
        problem,
    )


def test_embedded_data_reads_the_script() -> None:
    data = embedded_data(page_html([ROW]))
    assert data["hankehaku"] == [ROW]
    assert data["koodisto"]["viranomainen"]["2605"]["hakuilmoituskoodi"] == "HL"


def test_fetch_yields_the_page_with_its_url_after_a_retry(replay_server: Any) -> None:
    replay_server.add("GET", "/hakuilmoitukset/", Reply(status=503), Reply(page_html([ROW])))
    url = replay_server.url("/hakuilmoitukset/")
    source = Eura2021(Eura2021Settings(url=url, pause_seconds=0))
    pages = list(source.fetch(HttpClient(HttpSettings(backoff_seconds=0.01)), {}))
    assert [page.url for page in pages] == [url]
    assert len(replay_server.received) == 2
    assert [r.identifier for r in source.parse(pages[0])] == ["ESAELY-002"]


def test_a_changed_page_fails_the_run(replay_server: Any) -> None:
    replay_server.add("GET", "/hakuilmoitukset/", Reply(b"<html><body>Uusi sivusto</body></html>"))
    source = Eura2021(Eura2021Settings(url=replay_server.url("/hakuilmoitukset/"), pause_seconds=0))
    (page,) = source.fetch(HttpClient(HttpSettings(backoff_seconds=0.01)), {})
    with pytest.raises(SourceError, match="eura2021: no <script"):
        list(source.parse(page))
