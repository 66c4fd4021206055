"""Typed readers of one source record's fields: a field that cannot be trusted fails that record.

Every source reads its records through `Fields`, so a drifted field (a date sent as text the
parser cannot read, a budget sent as a string of JSON, a missing identifier) fails the one
record, naming the source, the record's key and the field, instead of being read as "none".
Only what is certain is converted: an epoch-millisecond number is a date.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from scrapers.dates import parse_instant
from scrapers.errors import SourceError
from scrapers.record import CallRecord

MISSING, WRONG_TYPE, BAD_VALUE, TOO_LONG = "missing", "type", "value", "long"
CUT = "cut"  # not an error but a note: a text cut to its bound, the record kept
PROBLEMS = {
    MISSING: "missing",
    WRONG_TYPE: "unexpected type",
    BAD_VALUE: "unreadable value",
    TOO_LONG: "too long",
    CUT: "too long, cut",
}
# Epoch milliseconds of 2000-01-01 and 2200-01-01: outside them a number is no date in ms.
EPOCH_MS_RANGE = (946_684_800_000, 7_258_118_400_000)
SHOWN_CHARS = 80

T = TypeVar("T")
R = TypeVar("R")


class RecordError(SourceError):
    """One record a source gave cannot be trusted: the run goes on without it."""

    def __init__(self, source: str, key: str, field: str, problem: str, value: object = None):
        shown = "" if value is None else repr(value)[:SHOWN_CHARS]
        super().__init__(
            source, f"record {key}: {field}: {PROBLEMS[problem]}" + (f" {shown}" if shown else "")
        )
        self.key, self.field, self.kind, self.value = key, field, problem, shown

    def to_json(self) -> dict[str, str]:
        return {
            "source": self.source,
            "key": self.key,
            "field": self.field,
            "problem": self.kind,
            "value": self.value,
        }


Parsed = CallRecord | RecordError  # what every source's parse() yields


def each(items: Iterable[T], build: Callable[[T, int], R | None]) -> Iterator[R | RecordError]:
    """build(item, number) for each item but None; a RecordError is yielded, the next item read."""
    for number, item in enumerate(items, 1):
        try:
            record = build(item, number)
        except RecordError as error:
            yield error
            continue
        if record is not None:
            yield record


def record_key(data: object, *names: str, number: int) -> str:
    """How errors name a record: its first id field that is text, else its position."""
    if isinstance(data, dict):
        for name in names:
            value = data.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return f"#{number}"


def read_instant(value: object) -> datetime:
    """An ISO 8601 instant, or epoch milliseconds (number or 13-digit text); else ValueError."""
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError:
            if not value.isdigit():
                raise
            value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = EPOCH_MS_RANGE
        if low <= value < high:
            return datetime.fromtimestamp(value / 1000, UTC)
    raise ValueError(f"{value!r} is no date")


def read_amount(value: object) -> int:
    """Whole EUR of an integer, a whole float or a numeric text ("1500000.00"); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(type(value).__name__)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is no amount") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{value!r} is no amount")
    return int(number)


class Fields:
    """The raw fields of one record (or of an object inside it) with typed readers."""

    def __init__(self, source: str, key: str, data: object, prefix: str = "") -> None:
        if not isinstance(data, dict):
            raise RecordError(source, key, prefix.rstrip(".") or "record", WRONG_TYPE, data)
        self.source, self.key, self.data, self.prefix = source, key, data, prefix

    def error(self, name: str, problem: str, value: object = None) -> RecordError:
        return RecordError(self.source, self.key, self.prefix + name, problem, value)

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def _typed(self, name: str, kind: type) -> Any:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(name, WRONG_TYPE, value)
        return value

    def text(self, name: str) -> str | None:
        """Text, None when absent, null or blank."""
        value = self._typed(name, str)
        return value if value and value.strip() else None

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise self.error(name, MISSING)
        return value

    def flag(self, name: str) -> bool | None:
        value: bool | None = self._typed(name, bool)
        return value

    def integer(self, name: str) -> int | None:
        value: int | None = self._typed(name, int)
        return value

    def nested(self, name: str) -> Fields:
        """The object in this field (absent or null reads as empty), with its own readers."""
        value = self._typed(name, dict)
        return Fields(self.source, self.key, value or {}, f"{self.prefix}{name}.")

    def objects(self, name: str) -> list[dict[str, Any]]:
        values: list[Any] = self._typed(name, list) or []
        if not all(isinstance(v, dict) for v in values):
            raise self.error(name, WRONG_TYPE, values)
        return values

    def strings(self, name: str) -> tuple[str, ...]:
        """A list of text, repeats dropped."""
        values: list[Any] = self._typed(name, list) or []
        if not all(isinstance(v, str) for v in values):
            raise self.error(name, WRONG_TYPE, values)
        return tuple(dict.fromkeys(values))

    def integers(self, name: str) -> list[int]:
        values: list[Any] = self._typed(name, list) or []
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise self.error(name, WRONG_TYPE, values)
        return values

    def first(self, name: str) -> str | None:
        """The first of a list of text, None when absent or empty."""
        values = self.strings(name)
        return values[0] if values and values[0] else None

    def moment(self, name: str, value: object = None) -> datetime | None:
        """An instant (ISO text or epoch ms) of this field, or of `value` read from it."""
        value = self.data.get(name) if value is None else value
        if value is None or value == "":
            return None
        try:
            return read_instant(value)
        except ValueError:
            raise self.error(name, BAD_VALUE, value) from None

    def amount(self, name: str, value: object = None) -> int | None:
        """Whole EUR of this field, or of `value` read from it."""
        value = self.data.get(name) if value is None else value
        if value is None:
            return None
        try:
            return read_amount(value)
        except TypeError:
            raise self.error(name, WRONG_TYPE, value) from None
        except ValueError:
            raise self.error(name, BAD_VALUE, value) from None
