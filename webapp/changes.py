"""Change events of a call told in words: "deadline moved from A to B"."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.models import ChangeEvent
from tracker.withdrawals import FIELD
from webapp.forms import STATUS_LABELS
from webapp.i18n import format_day, format_deadline, format_eur

FIELD_NAMES = {
    "title": _l("Title"),
    "call_title": _l("Call title"),
    "programme": _l("Programme"),
    "type_of_action": _l("Type of action"),
    "eligibility": _l("Eligibility"),
    "regional": _l("Regional eligibility"),
    "keywords": _l("Keywords"),
    "url": _l("Portal link"),
}
BUDGETS = {
    "budget_total_eur": _l("Budget"),
    "budget_min_grant_eur": _l("Smallest grant"),
    "budget_max_grant_eur": _l("Largest grant"),
}
TEXTS = {"description_html": _l("Description"), "conditions_html": _l("Conditions")}


def describe_change(event: ChangeEvent) -> str:
    """One sentence for one change event, in the current locale."""
    name, old, new = event.field_name, event.old_value, event.new_value
    if name == "deadlines":
        return _(
            "Deadline moved from %(old)s to %(new)s.", old=_deadlines(old), new=_deadlines(new)
        )
    if name == FIELD:
        return (
            _("Withdrawn: no source lists the call any more.")
            if new
            else _("Listed again by a source: no longer withdrawn.")
        )
    if name == "status":
        return _("Status changed from %(old)s to %(new)s.", old=_status(old), new=_status(new))
    if name == "opening_date":
        return _("Opening date moved from %(old)s to %(new)s.", old=_day(old), new=_day(new))
    if name in BUDGETS:
        return _(
            "%(what)s changed from %(old)s to %(new)s.",
            what=BUDGETS[name],
            old=format_eur(old) or "–",
            new=format_eur(new) or "–",
        )
    if name in TEXTS:
        return _(
            "%(what)s text changed (%(old)s → %(new)s characters).",
            what=TEXTS[name],
            old=(old or {}).get("characters", 0),
            new=(new or {}).get("characters", 0),
        )
    if name in ("title", "call_title", "programme", "type_of_action") and old and new:
        return _(
            "%(what)s changed from “%(old)s” to “%(new)s”.",
            what=FIELD_NAMES[name],
            old=old,
            new=new,
        )
    return _("%(what)s changed.", what=FIELD_NAMES.get(name, name))


def _deadlines(value: Any) -> str:
    if not value:
        return "–"
    return ", ".join(format_deadline(item) for item in value)


def _status(value: Any) -> str:
    return str(STATUS_LABELS.get(value, value or "–"))


def _day(value: Any) -> str:
    return format_day(date.fromisoformat(value)) if value else "–"
