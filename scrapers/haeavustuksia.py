"""Haeavustuksia.fi: the national state-grant portal's call list API, paged, totals checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapers.base import Page, SourceSettings
from scrapers.dates import helsinki_date, helsinki_deadline
from scrapers.errors import SourceError
from scrapers.fields import MISSING, Fields, Parsed, each, record_key
from scrapers.http import HttpClient
from scrapers.parsing import extra_pairs, load_json, require, text_to_html
from scrapers.record import CallRecord, Eligibility

NAME = "haeavustuksia"
CONTINUOUS = "Jatkuva"  # hakuTyyppi of calls open until further notice
LANGUAGES = ("en", "fi", "sv")  # preference order for the title and description shown


@dataclass
class HaeavustuksiaSettings(SourceSettings):
    url: str = "https://www.haeavustuksia.fi/api/haku/list-items"
    call_url: str = "https://www.haeavustuksia.fi/fi/haku/{id}"
    page_size: int = 100
    language: str = "fi"
    show_future: bool = True
    show_ongoing: bool = True
    show_ended: bool = False
    hide_external: bool = False


class Haeavustuksia:
    """Every open and forthcoming state-grant call; dates converted from UTC to Helsinki."""

    name = NAME
    Settings = HaeavustuksiaSettings
    complete_listing = True  # every page, its total checked

    def __init__(self, settings: HaeavustuksiaSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """Pages 1..pageCount; fails when the items collected differ from totalCount."""
        number, collected, total = 1, 0, 0
        while True:
            response = http.request(
                self.name,
                "GET",
                self.settings.url,
                params=self._params(number),
                pause=self.settings.pause_seconds,
            )
            page = Page(self.name, response.url, response.content)
            total, page_count, items = envelope(page)
            yield page
            collected += len(items)
            if number >= page_count or not items:
                break
            number += 1
        if collected != total:
            raise SourceError(
                self.name, f"totalCount is {total} but {number} page(s) held {collected} items"
            )

    def parse(self, page: Page) -> Iterator[Parsed]:
        """One record per hakuilmoitukset item; an item that cannot be trusted is an error."""
        items = envelope(page)[2]
        yield from each(
            items, lambda item, number: call_record(item, self.settings.call_url, number)
        )

    def _params(self, number: int) -> dict[str, str | int]:
        flags = {
            "ShowFuture": self.settings.show_future,
            "ShowOngoing": self.settings.show_ongoing,
            "ShowEnded": self.settings.show_ended,
            "HideExternal": self.settings.hide_external,
        }
        return {
            "Pagination.Page": number,
            "Pagination.PageSize": self.settings.page_size,
            "Language": self.settings.language,
            **{key: str(value).lower() for key, value in flags.items()},
        }


def envelope(page: Page) -> tuple[int, int, list[dict[str, Any]]]:
    """totalCount, pageCount and the items of one list-items response."""
    data = load_json(NAME, page)
    total = require(NAME, data, "totalCount", int, page.url)
    page_count = require(NAME, data, "pageCount", int, page.url)
    items = require(NAME, data, "hakuilmoitukset", list, page.url)
    return total, page_count, items


def call_record(item: object, call_url: str, number: int = 1) -> CallRecord:
    """The CallRecord of one item: English text when given, else Finnish, the rest in extra."""
    fields = Fields(NAME, record_key(item, "hakuasianAsianumero", number=number), item)
    call_id = fields.required_text("hakuasianAsianumero")
    names, descriptions = _texts(fields.nested("nimi")), _texts(fields.nested("kuvaus"))
    if not names:
        raise fields.error("nimi", MISSING)
    title_lang, description_lang = _choose(names), _choose(descriptions)
    start = fields.moment("hakuAlkaaDateTimeUtc")
    end = fields.moment("hakuPaattyyDateTimeUtc")
    call_type = fields.text("hakuTyyppi")
    continuous = call_type == CONTINUOUS
    organiser = fields.nested("vastuullinenJarjestajaOrganisaatio")
    organiser_names = _texts(organiser.nested("nimi"))
    return CallRecord(
        source=NAME,
        source_key=call_id,
        identifier=call_id,
        title=names[title_lang],
        url=call_url.format(id=call_id),
        description_html=text_to_html(descriptions.get(description_lang)),
        opening_date=helsinki_date(start) if start else None,
        # A continuous call's end date is technical, not a deadline (SOURCES.md 9.5).
        deadlines=() if continuous or end is None else (helsinki_deadline(end),),
        continuous=continuous,
        # A continuous call's end date is technical, not a deadline, but it ends the call.
        technical_end=helsinki_date(end) if continuous and end else None,
        eligibility=Eligibility(countries=("FI",)),
        extra=extra_pairs(
            {
                **{f"title_{k}": v for k, v in names.items() if k != title_lang},
                **{f"description_{k}": v for k, v in descriptions.items() if k != description_lang},
                "organiser": organiser_names.get(_choose(organiser_names)),
                "organiser_abbreviation": organiser.text("lyhenne"),
                "call_type": call_type,
                "publication_type": fields.text("julkaisuTyyppi"),
            }
        ),
    )


def _choose(texts: dict[str, str]) -> str:
    """The language to show: the first of LANGUAGES present ("" when none is)."""
    return next((lang for lang in LANGUAGES if lang in texts), "")


def _texts(texts: Fields) -> dict[str, str]:
    """The plain fi/sv/en texts of a tri-lingual field that are present."""
    return {lang: text.strip() for lang in LANGUAGES if (text := texts.text(lang))}
