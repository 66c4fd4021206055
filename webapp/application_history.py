"""An application's history told in words: its own changes and its call's moved deadlines."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from tracker.models import ApplicationEvent, ChangeEvent, User
from webapp.application_forms import APPLICATION_ROLES, REASON_NAMES, STAGE_NAMES, ApplicationForm
from webapp.changes import describe_change, iso_day
from webapp.i18n import format_eur
from webapp.i18n import lazy_text as _l

MONEY = {"requested_eur", "granted_eur"}
YES_NO = {"regional_funding_applied", "regional_funding_received"}


def field_name(name: str) -> str:
    """A changed field by the label its form gives it."""
    if name == "call_id":
        return str(_l("Call"))
    return str(ApplicationForm.__dict__[name].args[0])


def describe_event(event: ApplicationEvent | ChangeEvent) -> str:
    """One sentence for one change, in the current locale; a call's deadline moves are told
    as the call's page tells them (webapp/changes.py)."""
    if isinstance(event, ChangeEvent):
        return describe_change(event)
    if event.kind == "created":
        stage = stage_name((event.new_value or {}).get("stage"))
        if (event.new_value or {}).get("from_match"):
            return _(
                "The match was marked applied: application started at “%(stage)s”.", stage=stage
            )
        return _("Application started at “%(stage)s”.", stage=stage)
    if event.kind == "stage":
        return " ".join(_stage_move(event))
    return _field_change(event)


def who(event: ApplicationEvent | ChangeEvent, users: dict[int, User]) -> str:
    """Who made the change: the person, or the call's sources for a moved deadline."""
    if isinstance(event, ChangeEvent):
        return _("the call's sources")
    user = users.get(event.user_id or 0)
    return (user.name or user.email) if user else _("the service")


def stage_name(key: Any) -> str:
    return str(STAGE_NAMES.get(key, key or "–"))


def reason_name(key: Any) -> str:
    return str(REASON_NAMES.get(key, key or "–"))


def role_name(key: Any) -> str:
    return str(APPLICATION_ROLES.get(key, key or "–"))


def _stage_move(event: ApplicationEvent) -> list[str]:
    detail = event.detail or {}
    words = [
        _(
            "Moved from “%(old)s” to “%(new)s”.",
            old=stage_name(event.old_value),
            new=stage_name(event.new_value),
        )
    ]
    if detail.get("reason"):
        words.append(_("Reason: %(reason)s.", reason=reason_name(detail["reason"])))
    if detail.get("reason_text"):
        words.append(f"“{detail['reason_text']}”")
    if detail.get("score") is not None:
        words.append(_("Evaluation score %(score)s.", score=format_decimal(detail["score"])))
    return words


def _field_change(event: ApplicationEvent) -> str:
    name, old, new = event.field_name or "", event.old_value, event.new_value
    what = field_name(name)
    if name in MONEY:
        old, new = format_eur(old) or "–", format_eur(new) or "–"
    elif name == "call_deadline":
        old, new = iso_day(old), iso_day(new)
    elif name == "role":
        old, new = role_name(old), role_name(new)
    elif name in YES_NO:
        return _("%(what)s: yes.", what=what) if new else _("%(what)s: no.", what=what)
    else:
        return _("%(what)s changed.", what=what)
    return _("%(what)s changed from %(old)s to %(new)s.", what=what, old=old, new=new)
