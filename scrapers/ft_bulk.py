"""EU Funding & Tenders bulk reference file grantsTenders.json, streamed (about 130 MB live)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

import ijson

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.errors import SourceError
from scrapers.fields import MISSING, WRONG_TYPE, Fields, Parsed, each, record_key
from scrapers.http import HttpClient, conditional_headers, keep_validators
from scrapers.record import CallRecord, Deadline

NAME = "ft_bulk"
ITEMS = "fundingData.GrantTenderObj"
# Kinds kept by the `type` integer. Tenders (0) are procurement, not funding calls, and this
# service is about funding; types 2 and 8 were not in the live file but are calls if they come.
KINDS = {1: "grant", 2: "external", 8: "cascade"}


@dataclass
class FtBulkSettings(SourceSettings):
    url: str = "https://ec.europa.eu/info/funding-tenders/opportunities/data/referenceData/grantsTenders.json"


class FtBulk:
    name = NAME
    Settings = FtBulkSettings
    complete_listing = True  # the whole file, closed topics too

    def __init__(self, settings: FtBulkSettings) -> None:
        self.settings = settings

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]:
        """The file streamed to disk, or nothing when the server says it has not changed."""
        response, path = http.download(
            self.name,
            self.settings.url,
            pause=self.settings.pause_seconds,
            headers=conditional_headers(state),
        )
        keep_validators(state, response)
        if path is not None:
            yield Page(self.name, self.settings.url, path)

    def parse(self, page: Page) -> Iterator[Parsed]:
        """One CallRecord per grant (and external or cascade call), read one record at a time."""
        with page.open() as handle:
            count = 0

            def build(item: object, number: int) -> CallRecord | None:
                nonlocal count
                count = number
                return _record(Fields(NAME, record_key(item, "identifier", number=number), item))

            try:
                yield from each(ijson.items(handle, ITEMS + ".item", use_float=True), build)
            except ijson.JSONError as exc:
                raise _not_json(exc) from None
            if count == 0:
                _check_envelope(handle)


def _not_json(exc: Exception) -> SourceError:
    # yajl's message runs over three lines, pointing at the character: its first line says it.
    return SourceError(NAME, f"file is not valid JSON: {str(exc).splitlines()[0]}")


def _check_envelope(handle: IO[bytes]) -> None:
    # items() yields nothing for a missing path as for an empty list; only the latter is fine.
    handle.seek(0)
    try:
        for prefix, event, _ in ijson.parse(handle):
            if prefix == ITEMS and event == "start_array":
                return
    except ijson.JSONError as exc:
        raise _not_json(exc) from None
    raise SourceError(NAME, f"file has no {ITEMS} list")


def _deadline(moment: datetime) -> Deadline:
    if moment.time() == time(0):
        return Deadline(moment.date())  # grants: UTC midnight stands for the date alone
    return Deadline(moment.date(), time(moment.hour, moment.minute), "UTC")


def _record(item: Fields) -> CallRecord | None:
    kind = KINDS.get(item.integer("type") or -1)
    if kind is None:
        return None  # tenders and anything unknown
    identifier = item.required_text("identifier")
    if kind == "cascade":
        # Its identifier is the parent topic's and its callccm2Id is shared too; only the
        # search API's reference tells one open call from another (ft_codes.cascade_identifier).
        # The file held no cascade call when measured (SOURCES.md 4); one would be a new shape.
        raise item.error("reference", MISSING)
    actions = item.objects("actions")
    deadlines, model = _deadlines(item, actions)
    return CallRecord(
        source=NAME,
        source_key=identifier,
        identifier=identifier,
        title=item.text("title") or identifier,
        url=item.text("url") or ft_codes.topic_url(identifier),
        call_identifier=item.text("callIdentifier"),
        call_title=item.text("callTitle"),
        programme=_programme(item),
        programme_part=_programme_part(item),
        type_of_action=_type_of_action(item),
        kind=kind,
        keywords=item.strings("keywords"),
        tags=item.strings("tags"),
        opening_date=_opening(item, actions),
        deadlines=deadlines,
        deadline_model=model,
        extra=_extra(item),
    )


def _deadlines(
    item: Fields, actions: list[dict[str, Any]]
) -> tuple[tuple[Deadline, ...], str | None]:
    name, values = "deadlineDatesLong", item.integers("deadlineDatesLong")
    if not values:  # the actions repeat them as strings
        name, values = (
            "actions.deadlineDates",
            [d for a in actions for d in a.get("deadlineDates") or []],
        )
    deadlines = [_deadline(_moment(item, name, v)) for v in values]
    given = item.nested("deadlineModel")
    model = ft_codes.collapse(given.text("abbreviation") or given.text("description"))
    model = ft_codes.infer_model(
        model or ft_codes.model_from_actions(actions), [d.date for d in deadlines]
    )
    return ft_codes.label_deadlines(deadlines, model), model


def _opening(item: Fields, actions: list[dict[str, Any]]) -> date | None:
    name, value = "plannedOpeningDateLong", item.integer("plannedOpeningDateLong")
    if value is None:
        name, value = (
            "actions.plannedOpeningDate",
            next((a["plannedOpeningDate"] for a in actions if a.get("plannedOpeningDate")), None),
        )
    return None if value is None else _moment(item, name, value).date()


def _moment(item: Fields, name: str, value: object) -> datetime:
    """A date the file gives in epoch milliseconds only (a number, or digits inside actions)."""
    if not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise item.error(name, WRONG_TYPE, value)
    return item.moment(name, value) or datetime.min


def _programme(item: Fields) -> str | None:
    framework = item.nested("frameworkProgramme")
    named = ft_codes.PROGRAMMES.get(str(framework.raw("id")))
    return named or ft_codes.collapse(framework.text("description"))


def _programme_part(item: Fields) -> str | None:
    """The deepest programmeDivision with a real label: "Health", not "AGRIP-1-1" or "DIGITAL"."""
    framework = item.nested("frameworkProgramme")
    dull = {framework.raw("abbreviation"), framework.raw("description")}
    parts = [
        str(d["description"])
        for d in item.objects("programmeDivision")
        if d.get("description")
        and d.get("id") != framework.raw("id")
        and d["description"] not in dull | {d.get("abbreviation")}
    ]
    return ft_codes.collapse(parts[-1]) if parts else None


def _type_of_action(item: Fields) -> str | None:
    names = [
        ft_codes.collapse(str(a.get("description") or "")) for a in item.objects("topicActions")
    ]
    return "; ".join(dict.fromkeys(n for n in names if n)) or None


def _extra(item: Fields) -> tuple[tuple[str, str], ...]:
    divisions = item.objects("programmeDivision")
    pairs = {
        "programme_division": str(divisions[-1].get("abbreviation") or "") if divisions else "",
        "cross_cutting_priorities": ", ".join(item.strings("flags")),
    }
    kept = {k: v for k, v in pairs.items() if v}
    kept.update(ft_codes.latest_info(item.objects("latestInfos")))
    return tuple(sorted(kept.items()))
