"""EU Funding & Tenders bulk reference file grantsTenders.json, streamed (about 130 MB live)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import IO, Any

import ijson

from scrapers import ft_codes
from scrapers.base import Page, SourceSettings
from scrapers.errors import SourceError
from scrapers.http import HttpClient, conditional_headers, keep_validators
from scrapers.record import CallRecord, Deadline

NAME = "ft_bulk"
ITEMS = "fundingData.GrantTenderObj"
# Kinds kept by the `type` integer. Tenders (0) are procurement, not funding calls, and this
# service is about funding; types 2 and 8 were not in the live file but are calls if they come.
KINDS = {1: "grant", 2: "external", 8: "cascade"}
EPOCH_2000_MS = 946_684_800_000  # anything earlier is epoch seconds read as milliseconds


@dataclass
class FtBulkSettings(SourceSettings):
    url: str = "https://ec.europa.eu/info/funding-tenders/opportunities/data/referenceData/grantsTenders.json"


class FtBulk:
    name = NAME
    Settings = FtBulkSettings

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

    def parse(self, page: Page) -> Iterator[CallRecord]:
        """One CallRecord per grant (and external or cascade call), read one record at a time."""
        with page.open() as handle:
            count = 0
            try:
                for count, item in enumerate(ijson.items(handle, ITEMS + ".item"), 1):
                    record = _record(Item(item, count))
                    if record is not None:
                        yield record
            except ijson.JSONError as exc:
                raise SourceError(NAME, f"file is not valid JSON: {exc}") from None
            if count == 0:
                _check_envelope(handle)


def _check_envelope(handle: IO[bytes]) -> None:
    # items() yields nothing for a missing path as for an empty list; only the latter is fine.
    handle.seek(0)
    try:
        for prefix, event, _ in ijson.parse(handle):
            if prefix == ITEMS and event == "start_array":
                return
    except ijson.JSONError as exc:
        raise SourceError(NAME, f"file is not valid JSON: {exc}") from None
    raise SourceError(NAME, f"file has no {ITEMS} list")


class Item:
    """One record with typed access; a field of the wrong type raises SourceError."""

    def __init__(self, data: object, number: int) -> None:
        if not isinstance(data, dict):
            raise SourceError(NAME, f"record {number} is not an object")
        identifier = data.get("identifier")
        self.data: dict[str, Any] = data
        self.where = f"record {number}" + (
            f" ({identifier})" if isinstance(identifier, str) else ""
        )

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SourceError(NAME, f"{self.where}: {key} is not {kind.__name__}: {value!r}")
        return value

    def text(self, key: str) -> str | None:
        return self.get(key, str) or None

    def objects(self, key: str) -> list[dict[str, Any]]:
        values: list[Any] = self.get(key, list, [])
        if not all(isinstance(v, dict) for v in values):
            raise SourceError(NAME, f"{self.where}: {key} is not a list of objects")
        return values

    def strings(self, key: str) -> tuple[str, ...]:
        values: list[Any] = self.get(key, list, [])
        if not all(isinstance(v, str) for v in values):
            raise SourceError(NAME, f"{self.where}: {key} is not a list of strings")
        return tuple(dict.fromkeys(values))

    def moment(self, value: object) -> datetime:
        """An epoch-milliseconds int (or numeric string, inside actions) as a UTC datetime."""
        try:
            millis = int(value) if isinstance(value, int | str) else None
        except ValueError:
            millis = None
        if millis is None or millis < EPOCH_2000_MS:
            raise SourceError(NAME, f"{self.where}: {value!r} is not a date in epoch milliseconds")
        return datetime.fromtimestamp(millis / 1000, UTC)


def _deadline(moment: datetime) -> Deadline:
    if moment.time() == time(0):
        return Deadline(moment.date())  # grants: UTC midnight stands for the date alone
    return Deadline(moment.date(), time(moment.hour, moment.minute), "UTC")


def _record(item: Item) -> CallRecord | None:
    kind = KINDS.get(item.get("type", int, -1))
    if kind is None:
        return None  # tenders and anything unknown
    identifier = item.text("identifier")
    if identifier is None:
        raise SourceError(NAME, f"{item.where}: no identifier")
    call_id = item.get("callccm2Id", int)
    if kind == "cascade" and call_id:
        identifier = f"FSTP-{call_id}"  # a cascade's identifier is its parent topic's
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
    item: Item, actions: list[dict[str, Any]]
) -> tuple[tuple[Deadline, ...], str | None]:
    values: list[Any] = item.get("deadlineDatesLong", list, [])
    if not values:  # the actions repeat them as strings
        values = [d for a in actions for d in a.get("deadlineDates") or []]
    deadlines = [_deadline(item.moment(v)) for v in values]
    given: dict[str, Any] = item.get("deadlineModel", dict, {})
    named = given.get("abbreviation") or given.get("description")
    model = ft_codes.collapse(named) if isinstance(named, str) else None
    model = ft_codes.infer_model(
        model or ft_codes.model_from_actions(actions), [d.date for d in deadlines]
    )
    return ft_codes.label_deadlines(deadlines, model), model


def _opening(item: Item, actions: list[dict[str, Any]]) -> date | None:
    value = item.get("plannedOpeningDateLong", int)
    if value is None:
        value = next(
            (a["plannedOpeningDate"] for a in actions if a.get("plannedOpeningDate")), None
        )
    return None if value is None else item.moment(value).date()


def _programme(item: Item) -> str | None:
    framework: dict[str, Any] = item.get("frameworkProgramme", dict, {})
    named = ft_codes.PROGRAMMES.get(str(framework.get("id")))
    description = framework.get("description")
    return named or (ft_codes.collapse(description) if isinstance(description, str) else None)


def _programme_part(item: Item) -> str | None:
    """The deepest programmeDivision with a real label: "Health", not "AGRIP-1-1" or "DIGITAL"."""
    framework: dict[str, Any] = item.get("frameworkProgramme", dict, {})
    dull = {framework.get("abbreviation"), framework.get("description")}
    parts = [
        str(d["description"])
        for d in item.objects("programmeDivision")
        if d.get("description")
        and d.get("id") != framework.get("id")
        and d["description"] not in dull | {d.get("abbreviation")}
    ]
    return ft_codes.collapse(parts[-1]) if parts else None


def _type_of_action(item: Item) -> str | None:
    names = [
        ft_codes.collapse(str(a.get("description") or "")) for a in item.objects("topicActions")
    ]
    return "; ".join(dict.fromkeys(n for n in names if n)) or None


def _extra(item: Item) -> tuple[tuple[str, str], ...]:
    divisions = item.objects("programmeDivision")
    pairs = {
        "programme_division": str(divisions[-1].get("abbreviation") or "") if divisions else "",
        "cross_cutting_priorities": ", ".join(item.strings("flags")),
    }
    kept = {k: v for k, v in pairs.items() if v}
    kept.update(ft_codes.latest_info(item.objects("latestInfos")))
    return tuple(sorted(kept.items()))
