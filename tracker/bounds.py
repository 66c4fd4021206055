"""Source records held to the bounds of the columns, the same on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text, a VARCHAR longer than its length and an integer past its type;
SQLite stores them all. So every record is bounded here before ingest, on both engines alike:
NUL characters are removed, an over-long text is cut with a note (the record is kept), and an
over-long key or an amount no column holds fails that record alone.
"""

from __future__ import annotations

from dataclasses import replace
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
    """The record within bounds, and a note for each text cut; RecordError when it cannot be.
    A record within bounds, as most are, is read field by field and returned as it came."""
    # JSON writes a NUL as \\u0000: the record's fingerprint, made once, tells whether any
    # text holds one (a text holding "\\u0000" itself only takes the slow way).
    if "\\u0000" in record.fingerprint:
        record = CallRecord.from_json(without_nul(record.to_json()))
    key = record.source_key[:IDENTIFIER_CHARS]
    for name in KEYS:
        value = getattr(record, name)
        if len(value) > IDENTIFIER_CHARS:
            raise RecordError(record.source, key, name, TOO_LONG, f"{len(value)} characters")
    for name, largest in LARGEST.items():
        amount = getattr(record.budget, name)
        if amount is not None and not 0 <= amount <= largest:
            raise RecordError(record.source, key, f"budget.{name}", BAD_VALUE, amount)
    notes, cut = [], {}
    for name, limit in CUT_AT.items():
        text = getattr(record, name)
        if text is not None and len(text) > limit:
            cut[name] = text[:limit]
            shown = f"{len(text)} characters, cut to {limit}"
            notes.append(RecordError(record.source, key, name, CUT, shown))
    return (replace(record, **cut) if cut else record), notes
