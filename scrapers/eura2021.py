"""EURA 2021 call notices: the ERDF, ESF+ and JTF calls embedded in eura2021.fi's page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from bs4 import BeautifulSoup

from scrapers.base import Page, SourceSettings
from scrapers.dates import HELSINKI_ZONE
from scrapers.eligibility import KANTA_HAME
from scrapers.errors import SourceError
from scrapers.http import HttpClient
from scrapers.parsing import extra_pairs, require
from scrapers.record import CallRecord, Deadline, Eligibility

NAME = "eura2021"
SCRIPT_TYPE = "__PREACT_CLI_DATA__"
HAME_AUTHORITY = "2605"  # Hämeen liitto, the Regional Council of Häme
KANTA_HAME_MAAKUNTA = "05"
FUNDS = {
    "EAKR": "European Regional Development Fund (ERDF)",
    "ESR+": "European Social Fund Plus (ESF+)",
    "JTF": "Just Transition Fund (JTF)",
}


@dataclass
class Eura2021Settings(SourceSettings):
    url: str = "https://eura2021.fi/hakuilmoitukset/"
    detail_url: str = "https://eura2021.fi/hakuilmoitukset/hakuilmoitus/{id}/"


class Eura2021:
    """All call notices of the page, each marked regional when it is Kanta-Häme's."""

    name = NAME
    Settings = Eura2021Settings

    def __init__(self, settings: Eura2021Settings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """The one page that carries every notice."""
        response = http.request(
            self.name, "GET", self.settings.url, pause=self.settings.pause_seconds
        )
        yield Page(self.name, response.url, response.content)

    def parse(self, page: Page) -> Iterator[CallRecord]:
        """One record per preRenderData.hankehaku item."""
        data = embedded_data(page.read())
        rows = require(NAME, data, "hankehaku", list, "preRenderData")
        codes = data.get("koodisto")
        for row in rows:
            if not isinstance(row, dict):
                raise SourceError(NAME, f"a hankehaku item is not an object: {row!r:.80}")
            yield call_record(
                row, codes if isinstance(codes, dict) else {}, self.settings.detail_url
            )


def embedded_data(html: bytes) -> dict[str, Any]:
    """preRenderData of the page's URL-encoded JSON script; a page without it fails the source."""
    soup = BeautifulSoup(html, "html.parser")
    script = soup.find("script", attrs={"type": SCRIPT_TYPE})
    if script is None or not script.string:
        raise SourceError(NAME, f'no <script type="{SCRIPT_TYPE}"> with data: the page changed')
    try:
        data = json.loads(unquote(script.string))
    except json.JSONDecodeError as exc:
        raise SourceError(
            NAME, f"the {SCRIPT_TYPE} script is not URL-encoded JSON: {exc}"
        ) from None
    return dict(require(NAME, data, "preRenderData", dict, f"the {SCRIPT_TYPE} data"))


def code_name(codes: dict[str, Any], code_list: str, code: str) -> str:
    """The Finnish name of a code in one of the koodisto lists; the code itself when unknown."""
    entries = codes.get(code_list)
    if isinstance(entries, list):  # tolerate a list of {"koodi": …} as well as a dict by code
        entries = {str(e.get("koodi")): e for e in entries if isinstance(e, dict)}
    entry = entries.get(code) if isinstance(entries, dict) else None
    name = entry.get("fi") if isinstance(entry, dict) else None
    return name if isinstance(name, str) and name else code


def is_regional(row: dict[str, Any]) -> bool:
    """A call of the Regional Council of Häme, or one whose regions include Kanta-Häme."""
    return str(row.get("viranomainen")) == HAME_AUTHORITY or KANTA_HAME_MAAKUNTA in _regions(row)


def call_record(row: dict[str, Any], codes: dict[str, Any], detail_url: str) -> CallRecord:
    """The CallRecord of one hankehaku item, names looked up in the code lists."""
    call_id = require(NAME, row, "id", str, "a hankehaku item")
    title = require(NAME, row, "otsikko", str, f"hankehaku item {call_id}")
    period = row.get("hakuaika")
    period = period if isinstance(period, dict) else {}
    opening, closing = _date(period.get("alku"), call_id), _date(period.get("loppu"), call_id)
    authority = str(row.get("viranomainen") or "")
    regions, regional = _regions(row), is_regional(row)
    fund = str(row.get("rahasto") or "")
    return CallRecord(
        source=NAME,
        source_key=call_id,
        identifier=row.get("hakutunnus") or f"EURA-{call_id}",
        title=title,
        url=detail_url.format(id=call_id),
        call_identifier=row.get("hakutunnus") or None,
        programme=FUNDS.get(fund, fund or None),
        opening_date=opening,
        deadlines=(Deadline(closing, timezone=HELSINKI_ZONE),) if closing else (),
        eligibility=Eligibility(
            countries=("FI",),
            # Hämeen liitto's own calls are for Kanta-Häme too, even with no maakunta listed.
            regions=(KANTA_HAME,) if regional else (),
            regional=regional,
            text=", ".join(code_name(codes, "maakunta", r) for r in regions) or None,
        ),
        extra=extra_pairs(
            {
                "authority": code_name(codes, "viranomainen", authority) if authority else None,
                "authority_code": authority,
                "area": row.get("alue"),
                "fund": fund,
                "erdf_type": row.get("eakrTyyppi"),
                "eura_status": row.get("tila"),
            }
        ),
    )


def _regions(row: dict[str, Any]) -> list[str]:
    regions = row.get("maakunnat")
    return [str(r) for r in regions] if isinstance(regions, list) else []


def _date(value: object, call_id: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SourceError(
            NAME, f"hankehaku item {call_id}: hakuaika {value!r} is not a date"
        ) from None
