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
    """One event per changed field, plus a status event when the computed status changed."""
    events = []
    for name in sorted(set(old) | set(new)):
        if name in DERIVED or old.get(name) == new.get(name):
            continue
        before, after = old.get(name), new.get(name)
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
    old_status, new_status = content_status(old, today), content_status(new, today)
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


def _length(text: str | None) -> dict[str, int] | None:
    return {"characters": len(text)} if text else None
