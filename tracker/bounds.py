"""Source records held to the bounds of the columns, the same on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text, a VARCHAR longer than its length and an integer past its type;
SQLite stores them all. So every record is bounded here before ingest, on both engines alike:
NUL characters are removed, an over-long text is cut with a note (the record is kept), and an
over-long key or an amount no column holds fails that record alone.
"""

from __future__ import annotations

from typing import Any

from scrapers.fields import BAD_VALUE, CUT, TOO_LONG, RecordError
from scrapers.record import CallRecord
from tracker.models import (
    DEADLINE_MODEL_CHARS,
    IDENTIFIER_CHARS,
    LARGEST_AMOUNT,
    LARGEST_INTEGER,
    TEXT_CHARS,
    TITLE_CHARS,
)

KEYS = ("source_key", "identifier")  # a record's keys: too long fails the record
CUT_AT = {
    "title": TITLE_CHARS,
    "call_title": TITLE_CHARS,
    "programme_part": TITLE_CHARS,
    "type_of_action": TITLE_CHARS,
    "call_identifier": IDENTIFIER_CHARS,
    "programme": IDENTIFIER_CHARS,
    "deadline_model": DEADLINE_MODEL_CHARS,
    "url": TEXT_CHARS,
    "description_html": TEXT_CHARS,
    "conditions_html": TEXT_CHARS,
}
LARGEST = {
    "total_eur": LARGEST_AMOUNT,
    "min_grant_eur": LARGEST_AMOUNT,
    "max_grant_eur": LARGEST_AMOUNT,
    "expected_grants": LARGEST_INTEGER,
}


def without_nul(value: Any) -> Any:
    """The value with NUL characters removed from every text in it, however deeply nested."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list | tuple):
        return type(value)(without_nul(item) for item in value)
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def bounded(record: CallRecord) -> tuple[CallRecord, list[RecordError]]:
    """The record within bounds, and a note for each text cut; RecordError when it cannot be."""
    data = record.to_json()
    # JSON writes a NUL as \\u0000: the record's fingerprint, made once, tells whether any
    # text holds one (a text holding "\\u0000" itself only takes the slow way).
    nul = "\\u0000" in record.fingerprint
    if nul:
        data = without_nul(data)
    key = data["source_key"][:IDENTIFIER_CHARS]
    for name in KEYS:
        if len(data[name]) > IDENTIFIER_CHARS:
            raise RecordError(record.source, key, name, TOO_LONG, f"{len(data[name])} characters")
    for name, largest in LARGEST.items():
        amount = data["budget"].get(name)
        if amount is not None and not 0 <= amount <= largest:
            raise RecordError(record.source, key, f"budget.{name}", BAD_VALUE, amount)
    notes = []
    for name, limit in CUT_AT.items():
        text = data[name]
        if text is not None and len(text) > limit:
            data[name] = text[:limit]
            shown = f"{len(text)} characters, cut to {limit}"
            notes.append(RecordError(record.source, key, name, CUT, shown))
    if nul or notes:
        return CallRecord.from_json(data), notes
    return record, notes  # within bounds as it came: not built again
