"""interreg.eu's call search: the Algolia index behind interreg.eu/calls-for-projects/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapers.base import Page, SourceSettings
from scrapers.dates import utc_deadline
from scrapers.eligibility import covers_kanta_hame, iso_countries, organisation_types
from scrapers.errors import SourceError
from scrapers.fields import Fields, Parsed, each, record_key
from scrapers.http import HttpClient
from scrapers.parsing import extra_pairs, http_status, load_json, require
from scrapers.record import CallRecord, Eligibility

NAME = "interreg"
RENEW_KEY = (
    "set sources.interreg.api_key in config.toml or RADAR_SOURCES_INTERREG_API_KEY to the "
    "public search key that interreg.eu/calls-for-projects/ sends (browser network tab, "
    "header X-Algolia-API-Key of the …algolia.net/1/indexes/*/queries request)"
)


@dataclass
class InterregSettings(SourceSettings):
    endpoint: str = "https://2E032DRCNS-dsn.algolia.net/1/indexes/*/queries"
    app_id: str = "2E032DRCNS"
    # interreg.eu's public, search-only key; it rotates, so it lives in config (see RENEW_KEY).
    api_key: str = ""
    index: str = "prod_en-us_content"
    filters: str = "contentType:callForProjectsPage AND (callStatus:Open OR callStatus:Forthcoming)"
    hits_per_page: int = 100
    site_url: str = "https://interreg.eu"


class Interreg:
    """Open and forthcoming Interreg calls of every programme, with their NUTS eligibility."""

    name = NAME
    Settings = InterregSettings
    complete_listing = True  # every page, its hit count checked

    def __init__(self, settings: InterregSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """Every result page of the search; fails on a missing or rotated key, or lost hits."""
        if not self.settings.api_key:
            raise SourceError(self.name, f"no search key: {RENEW_KEY}")
        number, collected = 0, 0
        while True:
            page = self._search(http, number)
            result = first_result(page)
            yield page
            collected += len(result["hits"])
            pages = result.get("nbPages")
            number += 1
            if not isinstance(pages, int) or number >= pages or not result["hits"]:
                break
        expected = result.get("nbHits")
        if isinstance(expected, int) and expected != collected:
            raise SourceError(self.name, f"nbHits is {expected} but {collected} hits came back")

    def parse(self, page: Page) -> Iterator[Parsed]:
        """One record per hit; a hit that cannot be trusted is an error."""
        hits = first_result(page)["hits"]
        yield from each(hits, lambda hit, number: call_record(hit, self.settings.site_url, number))

    def _search(self, http: HttpClient, number: int) -> Page:
        query = {
            "indexName": self.settings.index,
            "query": "",
            "filters": self.settings.filters,
            "hitsPerPage": self.settings.hits_per_page,
            "page": number,
        }
        headers = {
            "X-Algolia-Application-Id": self.settings.app_id,
            "X-Algolia-API-Key": self.settings.api_key,
        }
        try:
            response = http.request(
                self.name,
                "POST",
                self.settings.endpoint,
                data=json.dumps({"requests": [query]}),
                headers=headers,
                pause=self.settings.pause_seconds,
            )
        except SourceError as exc:
            if http_status(exc) == 403:
                raise SourceError(
                    self.name, f"HTTP 403: the search key must be renewed: {RENEW_KEY}"
                ) from None
            raise
        return Page(self.name, response.url, response.content)


def first_result(page: Page) -> dict[str, Any]:
    """results[0] of an Algolia multi-query response, with its hits checked to be objects."""
    results = require(NAME, load_json(NAME, page), "results", list, page.url)
    if not results:
        raise SourceError(NAME, f"{page.url}: results is empty")
    result = results[0]
    require(NAME, result, "hits", list, f"{page.url} results[0]")
    return dict(result)


def call_record(hit: object, site_url: str, number: int = 1) -> CallRecord:
    """The CallRecord of one hit; regional when its NUTS regions cover Kanta-Häme."""
    fields = Fields(NAME, record_key(hit, "objectID", number=number), hit)
    object_id = fields.required_text("objectID")
    title = fields.required_text("title")
    regions = tuple(dict.fromkeys(_strings(fields.raw("callEligibleRegionNuts"))))
    audience = _strings(fields.raw("targetAudience"))
    opening, deadline = fields.moment("callOpenDate"), fields.moment("callDeadlineDate")
    path, page = fields.text("contentUrl"), fields.text("callExternalUrl")
    return CallRecord(
        source=NAME,
        source_key=object_id,
        identifier=f"INTERREG-{fields.raw('pageId') or object_id}",
        title=title,
        url=site_url.rstrip("/") + path if path else page,
        programme="; ".join(_strings(fields.raw("associatedProgrammes"))) or None,
        tags=tuple(_strings(fields.raw("callThemes")) or _strings(fields.raw("themes"))),
        opening_date=opening.date() if opening else None,
        # callDeadlineDate is a date written as UTC midnight (SOURCES.md 13).
        deadlines=(utc_deadline(deadline),) if deadline else (),
        eligibility=Eligibility(
            countries=iso_countries(_strings(fields.raw("callEligibleCountryNuts"))),
            regions=regions,
            organisation_types=organisation_types(audience),
            regional=covers_kanta_hame(regions),
            text="; ".join(audience) or None,
        ),
        extra=extra_pairs({"call_page": page, "interreg_status": fields.text("callStatus")}),
    )


def _strings(value: object) -> list[str]:
    return (
        [v.strip() for v in value if isinstance(v, str) and v.strip()]
        if isinstance(value, list)
        else []
    )
