"""eu-grants-feed: a daily normalised JSON mirror of the F&T search and facet APIs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.dates import parse_instant, utc_deadline
from scrapers.errors import SourceError
from scrapers.http import HttpClient, conditional_headers, keep_validators
from scrapers.parsing import extra_pairs, load_json, require, text_to_html
from scrapers.record import Budget, CallRecord

NAME = "eu_grants_feed"
FACETS = ("frameworkProgramme", "programmeDivision")
CASCADE_REFERENCE = re.compile(r"(\d+)COMPETITIVE_CALL")


@dataclass
class EuGrantsFeedSettings(SourceSettings):
    # The eu-grants-feed project (github.com/MichelNivard/eu-grants-feed) commits data/grants.json
    # to its main branch every morning and also serves it on GitHub Pages; the host is a setting.
    url: str = "https://raw.githubusercontent.com/MichelNivard/eu-grants-feed/main/data/grants.json"
    interval_minutes: int = 1440


class EuGrantsFeed:
    """Open and forthcoming F&T calls keyed like ft_search's, plus the programme name tables."""

    name = NAME
    Settings = EuGrantsFeedSettings

    def __init__(self, settings: EuGrantsFeedSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """The snapshot, unless it is unchanged since the last run (HTTP validators in state)."""
        response = http.request(
            self.name,
            "GET",
            self.settings.url,
            headers=conditional_headers(state),
            pause=self.settings.pause_seconds,
        )
        keep_validators(state, response)
        if response.status_code != 304:
            yield Page(self.name, response.url, response.content)

    def parse(self, page: Page) -> Iterator[CallRecord]:
        """One record per grant of the snapshot."""
        data = load_json(NAME, page)
        grants = require(NAME, data, "grants", list, page.url)
        labels = _labels(data, page.url)
        for grant in grants:
            if not isinstance(grant, dict):
                raise SourceError(NAME, f"{page.url}: a grant is not an object")
            yield call_record(grant, labels)


def programme_labels(page: Page) -> dict[str, dict[str, str]]:
    """The facet tables id -> name, per facet (frameworkProgramme, programmeDivision)."""
    return _labels(load_json(NAME, page), page.url)


def _labels(data: object, where: str) -> dict[str, dict[str, str]]:
    facets = require(NAME, data, "facets", dict, where)
    tables: dict[str, dict[str, str]] = {}
    for facet in FACETS:
        values = require(NAME, facets, facet, list, f"{where} facets")
        tables[facet] = {
            str(v["rawValue"]): clean_label(str(v["value"]))
            for v in values
            if isinstance(v, dict) and v.get("rawValue") and v.get("value")
        }
    # ft_codes repairs the names the facet API mangles, so both F&T sources name a programme alike.
    tables["frameworkProgramme"].update(
        {k: v for k, v in ft_codes.PROGRAMMES.items() if k in tables["frameworkProgramme"]}
    )
    return tables


def clean_label(text: str) -> str:
    """A facet value as people read it: "%26" decoded, spaces collapsed ("Erasmus  (ERASMUS )")."""
    return re.sub(r"\s+\)", ")", " ".join(unquote(text).split()))


def call_record(grant: dict[str, Any], labels: dict[str, dict[str, str]]) -> CallRecord:
    """The CallRecord of one grant; cascade calls keyed by their reference as ft_search does."""
    reference = require(NAME, grant, "id", str, "a grant")
    identifier = require(NAME, grant, "identifier", str, f"grant {reference}")
    kind = ft_codes.KINDS.get(str((grant.get("kind") or {}).get("id")), "grant")
    programmes = _pairs(grant.get("frameworkProgrammes"))
    start, deadline = grant.get("startDate"), grant.get("deadlineDate")
    # The feed keeps only the first deadline (stage 1 of a two-stage topic) and rarely a model.
    model = grant.get("deadlineModel") or (
        None if kind == "cascade" else ft_codes.model_from_identifier(identifier)
    )
    record = CallRecord(
        source=NAME,
        source_key=reference,
        identifier=identifier,
        title=require(NAME, grant, "title", str, f"grant {reference}"),
        url=grant.get("url") or ft_codes.topic_url(identifier),
        call_identifier=grant.get("callIdentifier"),
        call_title=grant.get("callTitle"),
        programme=_programme(programmes, labels),
        programme_part=_programme_part(grant, programmes, labels),
        type_of_action=ft_codes.collapse(grant.get("actionType")),
        kind=kind,
        description_html=text_to_html(grant.get("abstract")),
        opening_date=parse_instant(start).date() if isinstance(start, str) else None,
        deadlines=ft_codes.label_deadlines(
            [utc_deadline(deadline)] if isinstance(deadline, str) else [], model
        ),
        deadline_model=model,
        budget=_budget(grant.get("budget"), identifier),
        extra=extra_pairs(
            {
                "reference": reference,
                "destination": grant.get("destination"),
                "portal_status": (grant.get("status") or {}).get("label"),
            }
        ),
    )
    return _as_cascade(record, grant) if kind == "cascade" else record


def _as_cascade(record: CallRecord, grant: dict[str, Any]) -> CallRecord:
    # `identifier` is the parent grant's topic, shared by many open calls (SOURCES.md 12.4).
    found = CASCADE_REFERENCE.match(record.source_key)
    if not found:
        raise SourceError(NAME, f"cascade call {record.source_key!r} has no numeric reference")
    return replace(
        record,
        identifier=f"FSTP-{found[1]}",
        title=grant.get("callTitle") or record.title,
        call_identifier=record.identifier,
        call_title=None,
        extra=extra_pairs({**dict(record.extra), "parent_title": record.title}),
    )


def _pairs(value: object) -> list[tuple[str, str]]:
    """(id, label) of a list of {"id", "label"} objects."""
    if not isinstance(value, list):
        return []
    return [(str(v.get("id")), str(v.get("label") or "")) for v in value if isinstance(v, dict)]


def _programme(programmes: list[tuple[str, str]], labels: dict[str, dict[str, str]]) -> str | None:
    for programme_id, label in programmes:
        name = labels["frameworkProgramme"].get(programme_id) or clean_label(label)
        if name:
            return name
    return None


def _programme_part(
    grant: dict[str, Any], programmes: list[tuple[str, str]], labels: dict[str, dict[str, str]]
) -> str | None:
    """The programme divisions below the framework programme, in the order the feed lists them."""
    framework_ids = {programme_id for programme_id, _ in programmes}
    parts = [
        labels["programmeDivision"].get(division_id) or clean_label(label)
        for division_id, label in _pairs(grant.get("programmeDivisions"))
        if division_id not in framework_ids
    ]
    # Some labels are bare ids that neither the feed nor its facet table could name.
    return " / ".join(dict.fromkeys(p for p in parts if p and not p.isdigit())) or None


def _budget(value: object, identifier: str) -> Budget:
    if not isinstance(value, dict):
        return Budget()

    def eur(key: str) -> int | None:
        amount = value.get(key)
        return None if amount is None else ft_codes.amount(amount, NAME, identifier)

    return Budget(
        total_eur=eur("totalBudgetEur"),
        min_grant_eur=eur("minContributionEur"),
        max_grant_eur=eur("maxContributionEur"),
        expected_grants=eur("expectedGrants"),
    )
