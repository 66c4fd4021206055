"""Change events of a call told in words: "The stage 2 deadline moved from A to B.", "The
budget grew to 12 million euros (from 8 million euros)." The call's history, its digests and
its followers' alerts all tell a change with these sentences."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from callrules.deadlines import STAGE, parse_label
from tracker.models import ChangeEvent
from tracker.withdrawals import FIELD
from webapp.forms import STATUS_LABELS
from webapp.i18n import eur_in_words, format_day, format_deadline, format_eur
from webapp.i18n import lazy_text as _l

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
# Amounts that grow or shrink, named as the subject of a sentence.
MONEY = {
    "budget_total_eur": _l("The budget"),
    "budget_min_grant_eur": _l("The smallest grant"),
    "budget_max_grant_eur": _l("The largest grant"),
}
TEXTS = {"description_html", "conditions_html"}
WORDS = {"title", "call_title", "programme", "programme_part", "type_of_action"}


def describe_change(event: ChangeEvent) -> str:
    """One sentence for one change event, in the current locale."""
    name, old, new = event.field_name, event.old_value, event.new_value
    what = FIELD_NAMES.get(name, name)
    if name == "deadlines":
        return _deadlines_moved(old or [], new or [])
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
    if name in MONEY and old is not None and new is not None and old != new:
        amounts = {"what": MONEY[name], "old": eur_in_words(old), "new": eur_in_words(new)}
        if new > old:
            return _("%(what)s grew to %(new)s (from %(old)s).", **amounts)
        return _("%(what)s shrank to %(new)s (from %(old)s).", **amounts)
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


def _deadlines_moved(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> str:
    """A sentence per deadline that moved, came or went, each named by its stage or cut-off;
    deadlines without distinct labels are told as two lists."""
    before, after = _by_label(old), _by_label(new)
    if before is None or after is None:
        return _(
            "The deadlines changed from %(old)s to %(new)s.",
            old=_deadline_list(old),
            new=_deadline_list(new),
        )
    said = []
    for label in sorted(set(before) | set(after), key=_label_order):
        was, now = before.get(label), after.get(label)
        which = _which_deadline(label)
        if was is None and now is not None:
            said.append(_("%(which)s was added: %(new)s.", which=which, new=now))
        elif now is None and was is not None:
            said.append(_("%(which)s was removed (it was %(old)s).", which=which, old=was))
        elif was != now:
            said.append(
                _("%(which)s moved from %(old)s to %(new)s.", which=which, old=was, new=now)
            )
    return " ".join(said) or _("%(what)s changed.", what=FIELD_NAMES["deadlines"])


def _by_label(deadlines: list[dict[str, Any]]) -> dict[str | None, str] | None:
    """Each deadline told in words by its label; None when two share a label."""
    told = {item.get("label"): format_deadline(item) for item in deadlines}
    return told if len(told) == len(deadlines) else None


def _label_order(label: str | None) -> tuple[int, str]:
    parsed = parse_label(label)
    return (parsed[1], parsed[0]) if parsed else (0, label or "")


def _which_deadline(label: str | None) -> str:
    """The deadline named as a sentence's subject: "The stage 2 deadline"."""
    parsed = parse_label(label)
    if parsed is None:
        return _("The deadline")
    kind, number = parsed
    if kind == STAGE:
        return _("The Stage %(num)d deadline", num=number)
    return _("The Cut-off %(num)d deadline", num=number)


def _deadline_list(value: list[dict[str, Any]]) -> str:
    return ", ".join(format_deadline(item) for item in value) or "–"


def _status(value: Any) -> str:
    return str(STATUS_LABELS.get(value, value or "–"))


def iso_day(value: Any) -> str:
    return format_day(date.fromisoformat(value)) if value else "–"


def _number(value: Any) -> str:
    return format_decimal(value) if value is not None else "–"
