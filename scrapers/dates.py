"""Source dates and instants as Deadlines: UTC instants, Europe/Helsinki local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from scrapers.record import Deadline

HELSINKI_ZONE = "Europe/Helsinki"
HELSINKI = ZoneInfo(HELSINKI_ZONE)


def parse_instant(text: str | datetime) -> datetime:
    """An ISO 8601 instant ("…Z", "+0000", "+02:00") as an aware datetime; naive text is UTC."""
    value = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def helsinki_date(text: str | datetime) -> date:
    """The Helsinki calendar date of an instant: 2025-12-31T22:00Z is 1 January."""
    return parse_instant(text).astimezone(HELSINKI).date()


def helsinki_deadline(text: str | datetime, label: str | None = None) -> Deadline:
    """A deadline at an instant, in Helsinki time; local midnight stands for the date alone."""
    local = parse_instant(text).astimezone(HELSINKI)
    clock = time(local.hour, local.minute)
    return Deadline(local.date(), None if clock == time(0, 0) else clock, HELSINKI_ZONE, label)


def utc_deadline(text: str | datetime, label: str | None = None) -> Deadline:
    """A deadline given in UTC: midnight means a date without a time, others keep the UTC time."""
    moment = parse_instant(text).astimezone(UTC)
    clock = time(moment.hour, moment.minute)
    if clock == time(0, 0):
        return Deadline(moment.date(), None, None, label)
    return Deadline(moment.date(), clock, "UTC", label)


def utc_text(moment: datetime) -> str:
    """An instant as UTC ISO text with milliseconds, as the sources write them ("…00.000Z")."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
