"""EURA 2021 call notices: the ERDF, ESF+ and JTF calls embedded in eura2021.fi's page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from bs4 import BeautifulSoup

from scrapers import maakunnat
from scrapers.base import Page, SourceSettings
from scrapers.dates import HELSINKI_ZONE
from scrapers.eligibility import KANTA_HAME
from scrapers.errors import SourceError
from scrapers.fields import BAD_VALUE, Fields, Parsed, each, record_key
from scrapers.http import HttpClient
from scrapers.parsing import extra_pairs, require
from scrapers.record import CallRecord, Deadline, Eligibility

NAME = "eura2021"
SCRIPT_TYPE = "__PREACT_CLI_DATA__"
HAME_AUTHORITY = "2605"  # Hämeen liitto, the Regional Council of Häme
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
    complete_listing = True  # every notice of the page, ended ones too

    def __init__(self, settings: Eura2021Settings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """The one page that carries every notice."""
        response = http.request(
            self.name, "GET", self.settings.url, pause=self.settings.pause_seconds
        )
        yield Page(self.name, response.url, response.content)

    def parse(self, page: Page) -> Iterator[Parsed]:
        """One record per preRenderData.hankehaku item; an item that cannot be trusted is an error."""
        data = page_data(page.read())
        rows = require(NAME, data, "hankehaku", list, "preRenderData")
        codes = data.get("koodisto")
        codes = codes if isinstance(codes, dict) else {}
        yield from each(
            rows, lambda row, number: call_record(row, codes, self.settings.detail_url, number)
        )


def page_data(body: bytes) -> dict[str, Any]:
    """preRenderData of the page, or of a recorded extract of it: a JSON object with one call
    notice as `row` and the code lists as `codes` (as ../shared/fixtures keeps it)."""
    if not body.lstrip().startswith(b"{"):
        return embedded_data(body)
    try:
        extract = json.loads(body)
    except json.JSONDecodeError as exc:
        raise SourceError(NAME, f"the recorded extract is not JSON: {exc}") from None
    row = require(NAME, extract, "row", dict, "the recorded extract")
    return {"hankehaku": [row], "koodisto": extract.get("codes")}


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


def regions(row: dict[str, Any], authority: str) -> tuple[str, ...]:
    """NUTS-3 codes of the regions a call is limited to; () when it names none (all Finland)."""
    found = maakunnat.nuts3(_regions(row))
    if authority == HAME_AUTHORITY and KANTA_HAME not in found:
        # Hämeen liitto's own calls are for Kanta-Häme too, even with no maakunta listed.
        found = (*found, KANTA_HAME)
    return found


def call_record(row: object, codes: dict[str, Any], detail_url: str, number: int = 1) -> CallRecord:
    """The CallRecord of one hankehaku item, names looked up in the code lists."""
    fields = Fields(NAME, record_key(row, "id", number=number), row)
    call_id = fields.required_text("id")
    title = fields.required_text("otsikko")
    period = fields.nested("hakuaika")
    opening, closing = _date(period, "alku"), _date(period, "loppu")
    authority = str(fields.raw("viranomainen") or "")
    limited_to = regions(fields.data, authority)
    fund = str(fields.raw("rahasto") or "")
    call_code = fields.text("hakutunnus")
    return CallRecord(
        source=NAME,
        source_key=call_id,
        identifier=call_code or f"EURA-{call_id}",
        title=title,
        url=detail_url.format(id=call_id),
        call_identifier=call_code,
        programme=FUNDS.get(fund, fund or None),
        opening_date=opening,
        deadlines=(Deadline(closing, timezone=HELSINKI_ZONE),) if closing else (),
        eligibility=Eligibility(
            countries=("FI",),
            # A call limited to named regions is open there only (an empty tuple: all Finland).
            regions=limited_to,
            regional=KANTA_HAME in limited_to,  # a call of, or for, Kanta-Häme
            text=", ".join(code_name(codes, "maakunta", r) for r in _regions(fields.data)) or None,
        ),
        extra=extra_pairs(
            {
                "authority": code_name(codes, "viranomainen", authority) if authority else None,
                "authority_code": authority,
                "area": fields.raw("alue"),
                "fund": fund,
                "erdf_type": fields.raw("eakrTyyppi"),
                "eura_status": fields.raw("tila"),
            }
        ),
    )


def _regions(row: dict[str, Any]) -> list[str]:
    regions = row.get("maakunnat")
    return [str(r) for r in regions] if isinstance(regions, list) else []


def _date(period: Fields, name: str) -> date | None:
    """A day of hakuaika: ISO date text only (a number here has no certain meaning)."""
    value = period.text(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise period.error(name, BAD_VALUE, value) from None
