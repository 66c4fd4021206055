"""The records every source produces: CallRecord, its deadlines and budget, and call status."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache, cached_property
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from callrules.deadlines import PREPARATION_DAYS, ForApplicant, Status
from callrules.deadlines import for_applicant as applicant_rule


@dataclass(frozen=True)
class Deadline:
    """One submission deadline: a stage of a two-stage call or one cut-off of many."""

    date: date
    time: time | None = None
    timezone: str | None = None
    label: str | None = None  # callrules.deadlines.label: "stage 1", "cut-off 3"; None if single

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "timezone": self.timezone,
            "label": self.label,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deadline:
        return cls(
            date=date.fromisoformat(data["date"]),
            time=time.fromisoformat(data["time"]) if data.get("time") else None,
            timezone=data.get("timezone"),
            label=data.get("label"),
        )

    def iso(self) -> str:
        """ISO 8601 text: the date alone, or date and time with its zone when known."""
        if self.time is None:
            return self.date.isoformat()
        stamp = datetime.combine(self.date, self.time).isoformat(timespec="minutes")
        return f"{stamp}[{self.timezone}]" if self.timezone else stamp

    def moment(self) -> datetime | None:
        """The deadline's time in its zone; None for a date alone. A time whose source gave no
        zone stays without one (naive), as the source gave it."""
        if self.time is None:
            return None
        zone = ZoneInfo(self.timezone) if self.timezone else None
        return datetime.combine(self.date, self.time, zone)


@dataclass(frozen=True)
class Budget:
    """Money of one call in EUR: the topic total and the range per grant."""

    total_eur: int | None = None
    min_grant_eur: int | None = None
    max_grant_eur: int | None = None
    expected_grants: int | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in field_values(self).values())


ORGANISATION_TYPES = ("sme", "large", "research", "higher_education", "public", "ngo")


@dataclass(frozen=True)
class Eligibility:
    """Who may apply, where the source says: countries (ISO-2), NUTS regions, organisation types."""

    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    organisation_types: tuple[str, ...] = ()  # values of ORGANISATION_TYPES
    funding_rate_min: float | None = None  # percent of eligible costs
    funding_rate_max: float | None = None
    regional: bool = False  # a call of, or for, Kanta-Häme
    text: str | None = None  # the source's own wording, for people to read

    def is_empty(self) -> bool:
        return self == Eligibility()


@dataclass(frozen=True)
class CallRecord:
    """One call as one source describes it; `parse()` of every source yields these."""

    source: str
    source_key: str  # the source's own unique id of this record
    identifier: str  # F&T topic id, or a source-specific id when there is none
    title: str
    url: str | None = None
    call_identifier: str | None = None
    call_title: str | None = None
    programme: str | None = None
    programme_part: str | None = None
    type_of_action: str | None = None
    kind: str = "grant"  # grant, cascade, external
    description_html: str | None = None
    conditions_html: str | None = None
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    opening_date: date | None = None
    deadlines: tuple[Deadline, ...] = ()
    deadline_model: str | None = None  # single-stage, two-stage, multiple cut-off
    continuous: bool = False
    # The day a call without deadlines stops taking applications, e.g. a continuous call's
    # technical end date: it closes the call but is no deadline (SOURCES.md 9.5).
    technical_end: date | None = None
    budget: Budget = field(default_factory=Budget)
    eligibility: Eligibility = field(default_factory=Eligibility)
    extra: tuple[tuple[str, str], ...] = ()  # source-specific facts worth keeping

    def status(self, today: date) -> Status:
        """Open, forthcoming or closed for a new applicant; sources' own statuses go stale."""
        return for_applicant(
            self.opening_date,
            self.deadlines,
            self.deadline_model,
            today,
            technical_end=self.technical_end,
        ).status

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field; the inverse of `from_json`."""
        data = field_values(self)
        data["opening_date"] = self.opening_date.isoformat() if self.opening_date else None
        data["technical_end"] = self.technical_end.isoformat() if self.technical_end else None
        data["deadlines"] = [d.to_json() for d in self.deadlines]
        data["budget"] = field_values(self.budget)
        data["eligibility"] = field_values(self.eligibility)
        data["keywords"] = list(self.keywords)
        data["tags"] = list(self.tags)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallRecord:
        values = dict(data)
        values["opening_date"] = (
            date.fromisoformat(data["opening_date"]) if data.get("opening_date") else None
        )
        values["technical_end"] = (
            date.fromisoformat(data["technical_end"]) if data.get("technical_end") else None
        )
        values["deadlines"] = tuple(Deadline.from_json(d) for d in data.get("deadlines", ()))
        values["budget"] = Budget(**data.get("budget", {}))
        eligibility: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in data.get("eligibility", {}).items()
        }
        values["eligibility"] = Eligibility(**eligibility)
        values["keywords"] = tuple(data.get("keywords", ()))
        values["tags"] = tuple(data.get("tags", ()))
        values["extra"] = tuple(sorted(data.get("extra", {}).items()))
        return cls(**values)

    @cached_property
    def fingerprint(self) -> str:
        """Stable text of the content, for detecting change between runs: the JSON of
        `to_json` with sorted keys, made once per record (a run checks, stages and hashes it)."""
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_fingerprint(cls, text: str) -> CallRecord:
        """The record a fingerprint describes, the text kept as its fingerprint: `to_json` of
        `from_json` gives back the same JSON."""
        record = cls.from_json(json.loads(text))
        record.__dict__["fingerprint"] = text  # what cached_property keeps; the record is frozen
        return record


def field_values(instance: Any) -> dict[str, Any]:
    """A dataclass's fields by name, as they are: its values here are texts, numbers and tuples
    of texts, which `dataclasses.asdict` would deep-copy for nothing (most of ingest's time)."""
    return {name: getattr(instance, name) for name in _field_names(instance.__class__)}


@cache
def _field_names(kind: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def for_applicant(
    opening_date: date | None,
    deadlines: Sequence[Deadline],
    model: str | None,
    today: date,
    min_days: int = PREPARATION_DAYS,
    *,
    technical_end: date | None = None,
    withdrawn: bool = False,
) -> ForApplicant[Deadline]:
    """Status and deadline for a new applicant on `today`, by the rule of callrules.deadlines."""
    ordered = sorted(deadlines, key=lambda d: (d.date, d.time or time.max))
    return applicant_rule(
        opening_date,
        ordered,
        model,
        today,
        min_days,
        attrgetter("date"),
        technical_end=technical_end,
        withdrawn=withdrawn,
    )
