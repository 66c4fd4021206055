"""EU Funding & Tenders search API (SEDIA): open and forthcoming grants, external and cascade calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlencode

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.errors import SourceError
from scrapers.fields import BAD_VALUE, MISSING, Fields, Parsed, RecordError, each, record_key
from scrapers.http import HttpClient
from scrapers.record import Budget, CallRecord, Deadline

NAME = "ft_search"

TYPES = [ft_codes.GRANT, ft_codes.EXTERNAL, ft_codes.CASCADE]
STATUSES = ["31094501", "31094502"]  # forthcoming, open
SORT = {"order": "DESC", "field": "startDate"}
# The legacy CENTRICITY index duplicates topics with stale statuses; FAQ docs are not calls.
DROPPED_DATASOURCES = {"SEDIA_PRD_CENTRICITY", "SEDIA_FAQ"}
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
    # Every page of every partition; a document a page walk loses now and then (SOURCES.md 2.5)
    # is ridden out by [ingest] withdraw_after_runs.
    complete_listing = True

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

    def parse(self, page: Page) -> Iterator[Parsed]:
        """CallRecords of one page: English docs of calls only, one per key, the newest kept."""
        best: dict[str, tuple[tuple[bool, datetime], CallRecord]] = {}
        for parsed in each(envelope(page.read())["results"], _ranked):
            if isinstance(parsed, RecordError):
                yield parsed
                continue
            rank, record = parsed
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
    """The decoded response, checked: a results list and an integer total."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SourceError(NAME, f"response is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise SourceError(NAME, "response has no 'results' list")
    total = data.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool):
        raise SourceError(NAME, f"'totalResults' is not an integer: {total!r}")
    return data


def _ranked(result: object, number: int) -> tuple[tuple[bool, datetime], CallRecord] | None:
    """A result's record with its rank among copies (SEDIA index, newest); None if not a call."""
    fields = Fields(NAME, record_key(result, "reference", number=number), result)
    metadata = fields.nested("metadata")
    if not _wanted(metadata):
        return None
    rank = (metadata.first("DATASOURCE") == "SEDIA", _queued(metadata))
    return rank, _record(fields, metadata)


def _wanted(metadata: Fields) -> bool:
    language = metadata.first("language")
    if language and language != "en":
        return False  # a translation of an English doc
    if metadata.first("type") not in ft_codes.KINDS:
        return False  # type 6 topic updates, type 3 portal pages, type 0 tenders
    datasource = metadata.first("DATASOURCE") or metadata.first("datasource")
    return datasource not in DROPPED_DATASOURCES


def _queued(metadata: Fields) -> datetime:
    return metadata.moment("esDA_QueueDate", metadata.first("esDA_QueueDate")) or NO_TIME


def _deadline(metadata: Fields, text: str, cascade: bool) -> Deadline:
    moment = (metadata.moment("deadlineDate", text) or NO_TIME).astimezone(UTC)
    clock = time(moment.hour, moment.minute)
    if cascade:
        return Deadline(moment.date(), clock, "UTC")  # cascade deadlines are real instants
    if clock == time(0):
        return Deadline(moment.date())  # topic deadlines carry only the date
    # Older topic docs say 17:00 "+0000", which is really Brussels wall-clock time (SOURCES 2.6).
    return Deadline(moment.date(), clock, "Europe/Brussels")


def _json_text(metadata: Fields, key: str) -> Any:
    text = metadata.first(key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise metadata.error(key, BAD_VALUE, text) from None


def _budget(metadata: Fields, identifier: str) -> Budget:
    overview = _json_text(metadata, "budgetOverview")
    if overview is None:
        return Budget()
    return ft_codes.topic_budget(overview, identifier, metadata, "budgetOverview")


def _cascade_identifier(fields: Fields) -> str:
    reference = fields.text("reference")
    identifier = ft_codes.cascade_identifier(reference)
    if identifier is None:
        raise fields.error("reference", BAD_VALUE if reference else MISSING, reference)
    return identifier


def _record(fields: Fields, metadata: Fields) -> CallRecord:
    kind = ft_codes.KINDS[metadata.first("type") or ""]
    cascade = kind == "cascade"
    actions = _json_text(metadata, "actions")
    model = metadata.first("deadlineModel") or ft_codes.model_from_actions(
        actions if isinstance(actions, list) else []
    )
    deadlines = [_deadline(metadata, text, cascade) for text in metadata.strings("deadlineDate")]
    model = ft_codes.infer_model(model, [d.date for d in deadlines])
    start = metadata.moment("startDate", metadata.first("startDate"))
    record = CallRecord(
        source=NAME,
        source_key="",
        identifier="",
        title="",
        programme=ft_codes.PROGRAMMES.get(metadata.first("frameworkProgramme") or ""),
        type_of_action=ft_codes.collapse(metadata.first("typesOfAction")),
        kind=kind,
        keywords=metadata.strings("keywords"),
        tags=metadata.strings("tags"),
        opening_date=start.date() if start else None,
        deadlines=ft_codes.label_deadlines(deadlines, model),
        deadline_model=model,
    )
    if cascade:
        return _cascade(record, fields, metadata)
    return _topic(record, fields, metadata)


def _extra(metadata: Fields, pairs: dict[str, str | None]) -> tuple[tuple[str, str], ...]:
    infos = _json_text(metadata, "latestInfos")
    kept = {k: v for k, v in pairs.items() if v}
    kept.update(ft_codes.latest_info(infos if isinstance(infos, list) else []))
    return tuple(sorted(kept.items()))


def _topic(record: CallRecord, fields: Fields, metadata: Fields) -> CallRecord:
    reference = fields.text("reference") or metadata.first("reference")
    # The topic id, never the reference: references differ per language and per index copy,
    # so a record without its identifier would become a second call beside the first.
    identifier = metadata.first("identifier")
    if identifier is None:
        raise metadata.error("identifier", MISSING)
    url = fields.text("url") or metadata.first("url")
    if url is None or url.endswith(".json"):
        url = ft_codes.topic_url(identifier)  # people need the portal page, not the data file
    text_keys = ("descriptionByte", "description")
    if record.kind == "external":
        text_keys = ("description", "descriptionByte")
    return replace(
        record,
        source_key=identifier,
        identifier=identifier,
        title=metadata.first("title") or fields.text("summary") or identifier,
        url=url,
        call_identifier=metadata.first("callIdentifier"),
        call_title=metadata.first("callTitle"),
        description_html=metadata.first(text_keys[0]) or metadata.first(text_keys[1]),
        conditions_html=metadata.first("topicConditions"),
        budget=_budget(metadata, identifier),
        extra=_extra(
            metadata,
            {
                "reference": reference,
                "destination": metadata.first("destinationDescription"),
                "cross_cutting_priorities": ", ".join(metadata.strings("crossCuttingPriorities")),
            },
        ),
    )


def _cascade(record: CallRecord, fields: Fields, metadata: Fields) -> CallRecord:
    identifier = _cascade_identifier(fields)
    call_id = metadata.first("callccm2Id")
    project = [metadata.first("projectAcronym"), metadata.first("projectName")]
    # metadata.title is the parent grant's topic title; the open call's own name is callTitle.
    return replace(
        record,
        source_key=identifier,
        identifier=identifier,
        title=metadata.first("callTitle") or fields.text("summary") or identifier,
        url=fields.text("url") or (ft_codes.cascade_url(call_id) if call_id else None),
        call_identifier=metadata.first("identifier"),
        call_title=" – ".join(dict.fromkeys(p for p in project if p)) or None,
        description_html=metadata.first("description"),
        budget=Budget(total_eur=metadata.amount("budget", metadata.first("budget")) or None),
        extra=_extra(
            metadata,
            {
                "reference": fields.text("reference"),
                "parent_title": metadata.first("title"),
                "callccm2Id": call_id,
            },
        ),
    )
