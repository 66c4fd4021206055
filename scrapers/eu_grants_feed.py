"""eu-grants-feed: a daily normalised JSON mirror of the F&T search and facet APIs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.dates import utc_deadline
from scrapers.fields import BAD_VALUE, Fields, Parsed, each, record_key
from scrapers.http import HttpClient, conditional_headers, keep_validators
from scrapers.parsing import extra_pairs, load_json, require, text_to_html
from scrapers.record import Budget, CallRecord

NAME = "eu_grants_feed"
FACETS = ("frameworkProgramme", "programmeDivision")


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
    complete_listing = True  # the whole snapshot

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

    def parse(self, page: Page) -> Iterator[Parsed]:
        """One record per grant of the snapshot; a grant that cannot be trusted is an error."""
        data = load_json(NAME, page)
        grants = require(NAME, data, "grants", list, page.url)
        labels = _labels(data, page.url)
        yield from each(grants, lambda grant, number: call_record(grant, labels, number))


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


def call_record(grant: object, labels: dict[str, dict[str, str]], number: int = 1) -> CallRecord:
    """The CallRecord of one grant; cascade calls keyed by their reference as ft_search does."""
    fields = Fields(NAME, record_key(grant, "id", "identifier", number=number), grant)
    reference = fields.required_text("id")
    identifier = fields.required_text("identifier")
    kind = ft_codes.KINDS.get(str(fields.nested("kind").raw("id")), "grant")
    programmes = _pairs(fields.objects("frameworkProgrammes"))
    start, deadline = fields.moment("startDate"), fields.moment("deadlineDate")
    # The feed keeps only the first deadline (stage 1 of a two-stage topic) and rarely a model.
    model = fields.text("deadlineModel") or (
        None if kind == "cascade" else ft_codes.model_from_identifier(identifier)
    )
    record = CallRecord(
        source=NAME,
        source_key=reference,
        identifier=identifier,
        title=fields.required_text("title"),
        url=fields.text("url") or ft_codes.topic_url(identifier),
        call_identifier=fields.text("callIdentifier"),
        call_title=fields.text("callTitle"),
        programme=_programme(programmes, labels),
        programme_part=_programme_part(fields, programmes, labels),
        type_of_action=ft_codes.collapse(fields.text("actionType")),
        kind=kind,
        description_html=text_to_html(fields.text("abstract")),
        opening_date=start.date() if start else None,
        deadlines=ft_codes.label_deadlines([utc_deadline(deadline)] if deadline else [], model),
        deadline_model=model,
        budget=_budget(fields.nested("budget")),
        extra=extra_pairs(
            {
                "reference": reference,
                "destination": fields.text("destination"),
                "portal_status": fields.nested("status").text("label"),
            }
        ),
    )
    return _as_cascade(record, fields) if kind == "cascade" else record


def _as_cascade(record: CallRecord, fields: Fields) -> CallRecord:
    # `identifier` is the parent grant's topic, shared by many open calls (SOURCES.md 12.4).
    identifier = ft_codes.cascade_identifier(record.source_key)
    if identifier is None:
        raise fields.error("id", BAD_VALUE, record.source_key)
    return replace(
        record,
        identifier=identifier,
        title=fields.text("callTitle") or record.title,
        call_identifier=record.identifier,
        call_title=None,
        extra=extra_pairs({**dict(record.extra), "parent_title": record.title}),
    )


def _pairs(values: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(id, label) of a list of {"id", "label"} objects."""
    return [(str(v.get("id")), str(v.get("label") or "")) for v in values]


def _programme(programmes: list[tuple[str, str]], labels: dict[str, dict[str, str]]) -> str | None:
    for programme_id, label in programmes:
        name = labels["frameworkProgramme"].get(programme_id) or clean_label(label)
        if name:
            return name
    return None


def _programme_part(
    fields: Fields, programmes: list[tuple[str, str]], labels: dict[str, dict[str, str]]
) -> str | None:
    """The programme divisions below the framework programme, in the order the feed lists them."""
    framework_ids = {programme_id for programme_id, _ in programmes}
    parts = [
        labels["programmeDivision"].get(division_id) or clean_label(label)
        for division_id, label in _pairs(fields.objects("programmeDivisions"))
        if division_id not in framework_ids
    ]
    # Some labels are bare ids that neither the feed nor its facet table could name.
    return " / ".join(dict.fromkeys(p for p in parts if p and not p.isdigit())) or None


def _budget(budget: Fields) -> Budget:
    return Budget(
        total_eur=budget.amount("totalBudgetEur"),
        min_grant_eur=budget.amount("minContributionEur"),
        max_grant_eur=budget.amount("maxContributionEur"),
        expected_grants=budget.amount("expectedGrants"),
    )
