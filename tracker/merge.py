"""One call from many source records: each field from the source that describes it best."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from callrules.deadlines import closes_on
from scrapers.record import CallRecord, Deadline, field_values, for_applicant
from tracker.html import sanitize, to_text

# Fields where the longest text is the richest; the others follow source priority.
RICHEST = ("description_html", "conditions_html")
BY_PRIORITY = (
    "title",
    "url",
    "call_identifier",
    "call_title",
    "programme",
    "programme_part",
    "type_of_action",
    "kind",
    "keywords",
    "tags",
    "opening_date",
    "deadlines",
    "deadline_model",
    "continuous",
    "technical_end",
    "budget",
    "eligibility",
)


def merge(
    records: Sequence[CallRecord], priority: Sequence[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged content of one call, and which source each field came from."""
    rank = {name: i for i, name in enumerate(priority)}
    ordered = sorted(records, key=lambda r: (rank.get(r.source, len(rank)), r.source, r.source_key))
    chosen: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name in BY_PRIORITY:
        for record in ordered:
            value = getattr(record, name)
            if _present(value):
                chosen[name], origin[name] = value, record.source
                break
        else:
            chosen[name] = getattr(ordered[0], name)
    for name in RICHEST:
        best = max(ordered, key=lambda r: len(getattr(r, name) or ""))
        chosen[name] = getattr(best, name)
        if chosen[name]:
            origin[name] = best.source
    return _content(chosen), origin


def _present(value: Any) -> bool:
    if dataclasses.is_dataclass(value):
        return not value.is_empty()  # type: ignore[union-attr]
    return value not in (None, "", (), False)


def _content(chosen: dict[str, Any]) -> dict[str, Any]:
    """Column values of a Call, JSON-ready, so they can be hashed and versioned."""
    budget, eligibility = chosen["budget"], chosen["eligibility"]
    deadlines = sorted(chosen["deadlines"], key=lambda d: (d.date, d.time or d.date.min))
    description = sanitize(chosen["description_html"])
    conditions = sanitize(chosen["conditions_html"])
    return {
        "title": chosen["title"],
        "url": chosen["url"],
        "call_identifier": chosen["call_identifier"],
        "call_title": chosen["call_title"],
        "programme": chosen["programme"],
        "programme_part": chosen["programme_part"],
        "type_of_action": chosen["type_of_action"],
        "kind": chosen["kind"],
        "description_html": description,
        "description_text": to_text(description),
        "conditions_html": conditions,
        "conditions_text": to_text(conditions),
        "keywords": list(chosen["keywords"]),
        "tags": list(chosen["tags"]),
        "opening_date": _iso(chosen["opening_date"]),
        "deadlines": [d.to_json() for d in deadlines],
        "deadline_model": chosen["deadline_model"],
        "final_deadline": _iso(
            closes_on(
                [d.date for d in deadlines], chosen["deadline_model"], chosen["technical_end"]
            )
        ),
        "continuous": chosen["continuous"],
        "technical_end": _iso(chosen["technical_end"]),
        "budget_total_eur": budget.total_eur,
        "budget_min_grant_eur": budget.min_grant_eur,
        "budget_max_grant_eur": budget.max_grant_eur,
        "expected_grants": budget.expected_grants,
        "eligibility": _jsonable(field_values(eligibility)),
        "regional": eligibility.regional,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def content_hash(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def content_status(content: dict[str, Any], today: date) -> str:
    """The computed status of merged content on `today`, for a new applicant."""
    opening = date.fromisoformat(content["opening_date"]) if content["opening_date"] else None
    deadlines = [Deadline.from_json(d) for d in content["deadlines"]]
    end = content.get("technical_end")  # versions stored before it was kept have none
    technical_end = date.fromisoformat(end) if end else None
    model = content["deadline_model"]
    return for_applicant(opening, deadlines, model, today, technical_end=technical_end).status
