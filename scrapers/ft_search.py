"""EU Funding & Tenders search API (SEDIA): open and forthcoming grants, external and cascade calls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlencode

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.errors import SourceError
from scrapers.http import HttpClient
from scrapers.record import Budget, CallRecord, Deadline

NAME = "ft_search"
Metadata = dict[str, list[str]]

TYPES = [ft_codes.GRANT, ft_codes.EXTERNAL, ft_codes.CASCADE]
STATUSES = ["31094501", "31094502"]  # forthcoming, open
SORT = {"order": "DESC", "field": "startDate"}
# The legacy CENTRICITY index duplicates topics with stale statuses; FAQ docs are not calls.
DROPPED_DATASOURCES = {"SEDIA_PRD_CENTRICITY", "SEDIA_FAQ"}
CASCADE_REFERENCE = re.compile(r"(\d+)COMPETITIVE_CALL")
CASCADE_URL = re.compile(r"/competitive-calls-cs/(\d+)")
NO_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass
class FtSearchSettings(SourceSettings):
    url: str = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
    api_key: str = "SEDIA"
    page_size: int = 100
    result_window: int = 10000
    programme_ids: list[str] = field(default_factory=lambda: list(ft_codes.PROGRAMMES))


def search_query(
    must: list[dict[str, Any]] | None = None, must_not: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The bool query for open and forthcoming 2021-2027 calls, narrowed by extra clauses."""
    clauses: list[dict[str, Any]] = [
        {"terms": {"type": TYPES}},
        {"terms": {"status": STATUSES}},
        {"term": {"programmePeriod": "2021 - 2027"}},
        *(must or []),
    ]
    query: dict[str, Any] = {"bool": {"must": clauses}}
    if must_not:
        query["bool"]["must_not"] = must_not
    return query


def partitions(programme_ids: list[str]) -> list[dict[str, Any]]:
    """One query per programme plus one for all the rest, so each stays under the window."""
    queries = [search_query([{"terms": {"frameworkProgramme": [pid]}}]) for pid in programme_ids]
    queries.append(search_query(must_not=[{"terms": {"frameworkProgramme": programme_ids}}]))
    return queries


class FtSearch:
    name = NAME
    Settings = FtSearchSettings

    def __init__(self, settings: FtSearchSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """Every page of the search; split by programme when the hits exceed the result window."""
        query = search_query()
        first = self._post(http, query, 1)
        yield first
        if envelope(first.read())["totalResults"] > self.settings.result_window:
            for part in partitions(self.settings.programme_ids):
                yield from self._walk(http, part)
        elif not self._is_last(first, 1):
            yield from self._walk(http, query, 2)

    def parse(self, page: Page) -> Iterator[CallRecord]:
        """CallRecords of one page: English docs of calls only, one per key, the newest kept."""
        best: dict[str, tuple[tuple[bool, datetime], CallRecord]] = {}
        for result in envelope(page.read())["results"]:
            metadata: Metadata = result["metadata"]
            if not _wanted(metadata):
                continue
            record = _record(result, metadata)
            rank = (_first(metadata, "DATASOURCE") == "SEDIA", _queued(metadata))
            held = best.get(record.source_key)
            if held is None or rank > held[0]:
                best[record.source_key] = (rank, record)
        for _, record in best.values():
            yield record

    def _walk(self, http: HttpClient, query: dict[str, Any], number: int = 1) -> Iterator[Page]:
        while True:
            page = self._post(http, query, number)
            yield page
            if self._is_last(page, number):
                return
            number += 1

    def _is_last(self, page: Page, number: int) -> bool:
        data = envelope(page.read())
        # Pages past the window are refused or empty, so the window caps a walk too.
        limit = min(data["totalResults"], self.settings.result_window)
        return not data["results"] or number * self.settings.page_size >= limit

    def _post(self, http: HttpClient, query: dict[str, Any], number: int) -> Page:
        params = {
            "apiKey": self.settings.api_key,
            "text": "***",
            "pageSize": self.settings.page_size,
            "pageNumber": number,
        }
        url = f"{self.settings.url}?{urlencode(params, safe='*')}"
        # The API ignores a filter sent any other way than as JSON blob parts (SOURCES.md 12.1).
        parts = {"query": query, "languages": ["en"], "sort": SORT}
        files = {k: ("blob", json.dumps(v), "application/json") for k, v in parts.items()}
        response = http.request(
            self.name,
            "POST",
            url,
            pause=self.settings.pause_seconds,
            files=files,
            headers={"Accept": "application/json"},
        )
        return Page(self.name, url, response.content)


def envelope(raw: bytes) -> dict[str, Any]:
    """The decoded response, checked: a results list, an integer total, list-of-string metadata."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SourceError(NAME, f"response is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise SourceError(NAME, "response has no 'results' list")
    total = data.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool):
        raise SourceError(NAME, f"'totalResults' is not an integer: {total!r}")
    for n, result in enumerate(data["results"]):
        if not isinstance(result, dict) or not isinstance(result.get("metadata"), dict):
            raise SourceError(NAME, f"result {n} has no 'metadata' object")
        for key, value in result["metadata"].items():
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SourceError(NAME, f"result {n}: metadata.{key} is not a list of strings")
    return data


def _text(result: dict[str, Any], key: str) -> str | None:
    value = result.get(key)
    return value if isinstance(value, str) and value else None


def _first(metadata: Metadata, key: str) -> str | None:
    values = metadata.get(key)
    return values[0] if values and values[0] else None


def _wanted(metadata: Metadata) -> bool:
    language = _first(metadata, "language")
    if language and language != "en":
        return False  # a translation of an English doc
    if _first(metadata, "type") not in ft_codes.KINDS:
        return False  # type 6 topic updates, type 3 portal pages, type 0 tenders
    datasource = _first(metadata, "DATASOURCE") or _first(metadata, "datasource")
    return datasource not in DROPPED_DATASOURCES


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SourceError(NAME, f"unreadable date {text!r}") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _queued(metadata: Metadata) -> datetime:
    text = _first(metadata, "esDA_QueueDate")
    return _instant(text) if text else NO_TIME


def _deadline(text: str, cascade: bool) -> Deadline:
    moment = _instant(text)
    clock = time(moment.hour, moment.minute)
    if cascade:
        return Deadline(moment.date(), clock, "UTC")  # cascade deadlines are real instants
    if clock == time(0):
        return Deadline(moment.date())  # topic deadlines carry only the date
    # Older topic docs say 17:00 "+0000", which is really Brussels wall-clock time (SOURCES 2.6).
    return Deadline(moment.date(), clock, "Europe/Brussels")


def _json_text(metadata: Metadata, key: str, where: str) -> Any:
    text = _first(metadata, key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise SourceError(NAME, f"{where}: metadata.{key} is not valid JSON") from None


def _budget(metadata: Metadata, identifier: str) -> Budget:
    overview = _json_text(metadata, "budgetOverview", identifier)
    return Budget() if overview is None else ft_codes.topic_budget(overview, identifier, NAME)


def _cascade_key(result: dict[str, Any], metadata: Metadata) -> str:
    # The reference is unique per call; the URL id is not: two calls in the cascade fixture
    # (METU 30,500 EUR and Gnomon 120,000 EUR offers) share /competitive-calls-cs/46214053.
    found = CASCADE_REFERENCE.match(_text(result, "reference") or "")
    url = CASCADE_URL.search(_text(result, "url") or "")
    key = (found and found[1]) or _first(metadata, "callccm2Id") or (url and url[1])
    if not key:
        raise SourceError(NAME, f"cascade call {result.get('reference')!r} has no id")
    return key


def _record(result: dict[str, Any], metadata: Metadata) -> CallRecord:
    kind = ft_codes.KINDS[metadata["type"][0]]
    cascade = kind == "cascade"
    actions = _json_text(metadata, "actions", str(_text(result, "reference")))
    model = _first(metadata, "deadlineModel") or ft_codes.model_from_actions(
        actions if isinstance(actions, list) else []
    )
    deadlines = [_deadline(text, cascade) for text in metadata.get("deadlineDate", [])]
    model = ft_codes.infer_model(model, [d.date for d in deadlines])
    start = _first(metadata, "startDate")
    record = CallRecord(
        source=NAME,
        source_key="",
        identifier="",
        title="",
        programme=ft_codes.PROGRAMMES.get(_first(metadata, "frameworkProgramme") or ""),
        type_of_action=ft_codes.collapse(_first(metadata, "typesOfAction")),
        kind=kind,
        keywords=tuple(dict.fromkeys(metadata.get("keywords", []))),
        tags=tuple(dict.fromkeys(metadata.get("tags", []))),
        opening_date=_instant(start).date() if start else None,
        deadlines=ft_codes.label_deadlines(deadlines, model),
        deadline_model=model,
    )
    return _cascade(record, result, metadata) if cascade else _topic(record, result, metadata)


def _extra(metadata: Metadata, pairs: dict[str, str | None]) -> tuple[tuple[str, str], ...]:
    infos = _json_text(metadata, "latestInfos", str(pairs.get("reference")))
    kept = {k: v for k, v in pairs.items() if v}
    kept.update(ft_codes.latest_info(infos if isinstance(infos, list) else []))
    return tuple(sorted(kept.items()))


def _topic(record: CallRecord, result: dict[str, Any], metadata: Metadata) -> CallRecord:
    reference = _text(result, "reference") or _first(metadata, "reference")
    identifier = _first(metadata, "identifier") or reference
    if not isinstance(identifier, str):
        raise SourceError(
            NAME, f"result {result.get('url')!r} has neither identifier nor reference"
        )
    url = _text(result, "url") or _first(metadata, "url")
    if not isinstance(url, str) or url.endswith(".json"):
        url = ft_codes.topic_url(identifier)  # people need the portal page, not the data file
    text_keys = ("descriptionByte", "description")
    if record.kind == "external":
        text_keys = ("description", "descriptionByte")
    # The topic id, not the reference: references differ per language and per index copy.
    return replace(
        record,
        source_key=identifier,
        identifier=identifier,
        title=_first(metadata, "title") or _text(result, "summary") or identifier,
        url=url,
        call_identifier=_first(metadata, "callIdentifier"),
        call_title=_first(metadata, "callTitle"),
        description_html=_first(metadata, text_keys[0]) or _first(metadata, text_keys[1]),
        conditions_html=_first(metadata, "topicConditions"),
        budget=_budget(metadata, identifier),
        extra=_extra(
            metadata,
            {
                "reference": reference,
                "destination": _first(metadata, "destinationDescription"),
                "cross_cutting_priorities": ", ".join(metadata.get("crossCuttingPriorities", [])),
            },
        ),
    )


def _cascade(record: CallRecord, result: dict[str, Any], metadata: Metadata) -> CallRecord:
    identifier = f"FSTP-{_cascade_key(result, metadata)}"
    call_id = _first(metadata, "callccm2Id")
    project = [_first(metadata, "projectAcronym"), _first(metadata, "projectName")]
    money = _first(metadata, "budget")
    # metadata.title is the parent grant's topic title; the open call's own name is callTitle.
    return replace(
        record,
        source_key=identifier,
        identifier=identifier,
        title=_first(metadata, "callTitle") or _text(result, "summary") or identifier,
        url=_text(result, "url") or (ft_codes.cascade_url(call_id) if call_id else None),
        call_identifier=_first(metadata, "identifier"),
        call_title=" – ".join(dict.fromkeys(p for p in project if p)) or None,
        description_html=_first(metadata, "description"),
        budget=Budget(total_eur=ft_codes.amount(money, NAME, identifier) or None)
        if money
        else Budget(),
        extra=_extra(
            metadata,
            {
                "reference": _text(result, "reference"),
                "parent_title": _first(metadata, "title"),
                "callccm2Id": call_id,
            },
        ),
    )
