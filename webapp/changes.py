"""Change events of a call told in words: "deadline moved from A to B"."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.models import ChangeEvent
from tracker.withdrawals import FIELD
from webapp.forms import STATUS_LABELS
from webapp.i18n import format_day, format_deadline, format_eur

# Every field of a call's content that a change event can name (tracker/changes.py).
FIELD_NAMES = {
    "title": _l("Title"),
    "url": _l("Portal link"),
    "call_identifier": _l("Call identifier"),
    "call_title": _l("Call title"),
    "programme": _l("Programme"),
    "programme_part": _l("Part of the programme"),
    "type_of_action": _l("Type of action"),
    "kind": _l("Kind of call"),
    "description_html": _l("Description"),
    "conditions_html": _l("Conditions"),
    "keywords": _l("Keywords"),
    "tags": _l("Tags of the source"),
    "opening_date": _l("Opening date"),
    "deadlines": _l("Deadlines"),
    "deadline_model": _l("Deadline model"),
    "continuous": _l("Continuous call"),
    "technical_end": _l("End date of the continuous call"),
    "budget_total_eur": _l("Budget"),
    "budget_min_grant_eur": _l("Smallest grant"),
    "budget_max_grant_eur": _l("Largest grant"),
    "expected_grants": _l("Number of grants"),
    "eligibility": _l("Eligibility"),
    "regional": _l("Regional eligibility"),
    "status": _l("Status"),
}
MONEY = {"budget_total_eur", "budget_min_grant_eur", "budget_max_grant_eur"}
TEXTS = {"description_html", "conditions_html"}
WORDS = {"title", "call_title", "programme", "programme_part", "type_of_action"}


def describe_change(event: ChangeEvent) -> str:
    """One sentence for one change event, in the current locale."""
    name, old, new = event.field_name, event.old_value, event.new_value
    what = FIELD_NAMES.get(name, name)
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
        return _("Opening date moved from %(old)s to %(new)s.", old=iso_day(old), new=iso_day(new))
    if name in MONEY:
        old, new = format_eur(old) or "–", format_eur(new) or "–"
    elif name == "expected_grants":
        old, new = _number(old), _number(new)
    elif name == "technical_end":
        old, new = iso_day(old), iso_day(new)
    elif name in TEXTS:
        return _(
            "%(what)s text changed (%(old)s → %(new)s characters).",
            what=what,
            old=(old or {}).get("characters", 0),
            new=(new or {}).get("characters", 0),
        )
    elif name in WORDS and old and new:
        return _("%(what)s changed from “%(old)s” to “%(new)s”.", what=what, old=old, new=new)
    else:
        return _("%(what)s changed.", what=what)
    return _("%(what)s changed from %(old)s to %(new)s.", what=what, old=old, new=new)


def _deadlines(value: Any) -> str:
    if not value:
        return "–"
    return ", ".join(format_deadline(item) for item in value)


def _status(value: Any) -> str:
    return str(STATUS_LABELS.get(value, value or "–"))


def iso_day(value: Any) -> str:
    return format_day(date.fromisoformat(value)) if value else "–"


def _number(value: Any) -> str:
    return format_decimal(value) if value is not None else "–"
