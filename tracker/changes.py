"""Field-level change events between two versions of a call's content."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.merge import content_status

KINDS = {
    "deadlines": "deadline",
    "deadline_model": "deadline",
    "opening_date": "dates",
    "budget_total_eur": "budget",
    "budget_min_grant_eur": "budget",
    "budget_max_grant_eur": "budget",
    "expected_grants": "budget",
    "title": "text",
    "description_html": "text",
    "conditions_html": "text",
    "eligibility": "eligibility",
    "regional": "eligibility",
}
# Derived from other fields, so a change there is already reported.
DERIVED = {"description_text", "conditions_text", "final_deadline"}
# Long texts: the versions keep them whole, the event only says that they changed.
LONG = {"description_html", "conditions_html"}


def diff(old: dict[str, Any], new: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """One event per changed field, plus a status event when the computed status changed.

    A field filled for the first time (a second source adds the budget the first one lacked)
    is no change: the call's page shows it, the history tells what changed. So is the status
    such a field alone changes."""
    events = []
    first_filled = {}
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if name in DERIVED or before == after:
            continue
        if is_empty(before):
            first_filled[name] = after
            continue
        if name in LONG:
            before, after = _length(before), _length(after)
        events.append(
            {
                "kind": KINDS.get(name, "other"),
                "field_name": name,
                "old_value": before,
                "new_value": after,
            }
        )
    old_status = content_status(old | first_filled, today)
    new_status = content_status(new, today)
    if old_status != new_status:
        events.append(
            {
                "kind": "status",
                "field_name": "status",
                "old_value": old_status,
                "new_value": new_status,
            }
        )
    return events


def worth_telling(field_name: str, old_value: Any) -> bool:
    """Whether a stored event is a change to tell: a field's first value, stored as an event by
    earlier releases, is none."""
    return field_name == "status" or not is_empty(old_value)


def is_empty(value: Any) -> bool:
    """A field with nothing in it: its first value is an addition, not a change."""
    if isinstance(value, dict):  # eligibility: a key per rule, each empty until a source tells
        return all(is_empty(v) for v in value.values())
    return value in (None, "", [])


def _length(text: str | None) -> dict[str, int] | None:
    return {"characters": len(text)} if text else None
