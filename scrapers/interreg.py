"""interreg.eu's call search: the Algolia index behind interreg.eu/calls-for-projects/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapers.base import Page, SourceSettings
from scrapers.dates import parse_instant, utc_deadline
from scrapers.eligibility import covers_kanta_hame, iso_countries, organisation_types
from scrapers.errors import SourceError
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

    def parse(self, page: Page) -> Iterator[CallRecord]:
        """One record per hit."""
        for hit in first_result(page)["hits"]:
            yield call_record(hit, self.settings.site_url)

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
    hits = require(NAME, result, "hits", list, f"{page.url} results[0]")
    if not all(isinstance(hit, dict) for hit in hits):
        raise SourceError(NAME, f"{page.url}: a hit is not an object")
    return dict(result)


def call_record(hit: dict[str, Any], site_url: str) -> CallRecord:
    """The CallRecord of one hit; regional when its NUTS regions cover Kanta-Häme."""
    object_id = require(NAME, hit, "objectID", str, "a hit")
    title = require(NAME, hit, "title", str, f"hit {object_id}")
    regions = tuple(dict.fromkeys(_strings(hit.get("callEligibleRegionNuts"))))
    audience = _strings(hit.get("targetAudience"))
    opening, deadline = hit.get("callOpenDate"), hit.get("callDeadlineDate")
    path = hit.get("contentUrl")
    return CallRecord(
        source=NAME,
        source_key=object_id,
        identifier=f"INTERREG-{hit.get('pageId') or object_id}",
        title=title,
        url=site_url.rstrip("/") + path if isinstance(path, str) else hit.get("callExternalUrl"),
        programme="; ".join(_strings(hit.get("associatedProgrammes"))) or None,
        tags=tuple(_strings(hit.get("callThemes")) or _strings(hit.get("themes"))),
        opening_date=parse_instant(opening).date() if isinstance(opening, str) else None,
        # callDeadlineDate is a date written as UTC midnight (SOURCES.md 13).
        deadlines=(utc_deadline(deadline),) if isinstance(deadline, str) else (),
        eligibility=Eligibility(
            countries=iso_countries(_strings(hit.get("callEligibleCountryNuts"))),
            regions=regions,
            organisation_types=organisation_types(audience),
            regional=covers_kanta_hame(regions),
            text="; ".join(audience) or None,
        ),
        extra=extra_pairs(
            {
                "call_page": hit.get("callExternalUrl"),
                "interreg_status": hit.get("callStatus"),
            }
        ),
    )


def _strings(value: object) -> list[str]:
    return (
        [v.strip() for v in value if isinstance(v, str) and v.strip()]
        if isinstance(value, list)
        else []
    )
