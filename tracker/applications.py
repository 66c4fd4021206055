"""Applications from the idea to the outcome: the stages, the moves between them, and the
history of every change.

This module owns the rules: which stage may follow which (`MOVES`), which moves need a reason
(`NEEDS_REASON`) and the reasons (`REASONS`), which stages are open, submitted and decided,
what a partner and a document link are, and that marking a match "applied" starts one
application at "preparing". Pages, exports and reports read them here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import Session, col, select

from callrules.deadlines import TWO_STAGE
from scrapers.record import Deadline
from tracker.accounts import STAFF_ROLES
from tracker.html import is_web_link
from tracker.models import (
    APPLICATION_LINKS,
    APPLICATION_PARTNERS,
    LINK_CHARS,
    Application,
    ApplicationEvent,
    Call,
    User,
)
from tracker.queries import kept_call

STAGES = (
    "idea",
    "decision",  # go / no-go
    "preparing",
    "submitted",  # the only submission of a single-stage call, stage 1 of a two-stage one
    "submitted_2",  # stage 2 of a two-stage call
    "evaluation",
    "granted",
    "rejected",
    "withdrawn",  # a no-go at the decision, or stopped later
)
MOVES: dict[str, tuple[str, ...]] = {
    "idea": ("decision", "withdrawn"),
    "decision": ("preparing", "withdrawn"),
    "preparing": ("submitted", "withdrawn"),
    "submitted": ("submitted_2", "evaluation", "rejected", "withdrawn"),
    "submitted_2": ("evaluation", "rejected", "withdrawn"),
    "evaluation": ("granted", "rejected", "withdrawn"),
    "granted": (),
    "rejected": (),
    "withdrawn": (),
}
DECIDED = tuple(stage for stage, moves in MOVES.items() if not moves)  # the outcomes
NEEDS_REASON = ("withdrawn", "rejected")  # a no-go and a rejection say why
GRANTED = "granted"
# The funder's decisions, of which the success rate is counted (a withdrawal is not one).
FUNDER_DECIDED = (GRANTED, "rejected")
OPEN_STAGES = tuple(s for s in STAGES if s not in DECIDED)  # the pipeline
# Sent to the funder: its EU contribution was requested (a withdrawn one may not have been).
SUBMITTED = ("submitted", "submitted_2", "evaluation", *FUNDER_DECIDED)
# Still to be sent: reminded of every deadline of the call (a submitted stage 1 of a two-stage
# call, of stage 2 only).
UNSUBMITTED = ("idea", "decision", "preparing")
SCORED = "rejected"  # the stage that may carry the evaluation score
REASONS = (
    "not_eligible",
    "no_capacity",
    "no_partners",
    "deadline_too_close",
    "low_fit",
    "score_below_threshold",
)
ROLES = ("coordinator", "partner")
FROM_MATCH = "preparing"  # where marking a match "applied" starts an application
# Fields an edit may change, each recorded as a "field" event when it does.
EDITABLE = (
    "call_id",
    "call_title",
    "call_programme",
    "call_deadline",
    "role",
    "partners",
    "staff_id",
    "requested_eur",
    "granted_eur",
    "regional_funding_applied",
    "regional_funding_received",
    "notes",
    "links",
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
PIC = re.compile(r"^\d{9}$")  # an EU Participant Identification Code


class ApplicationError(ValueError):
    """A change the rules refuse; `reason` is a key the web app tells in the reader's words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def is_two_stage(call: Call | None) -> bool:
    """A call typed in by hand is taken as single-stage."""
    return call is not None and call.deadline_model == TWO_STAGE


def next_stages(application: Application, call: Call | None) -> list[str]:
    """The stages this application may move to; stage 2 only for a two-stage call."""
    moves = MOVES[application.stage]
    return [s for s in moves if s != "submitted_2" or is_two_stage(call)]


def team_clause(user: User) -> ColumnElement[bool]:
    """SQL: the applications whose team `user` is on. An application's team: its responsible
    staff member and the members of the applicant organisation."""
    own = col(Application.actor_id) == user.actor_id if user.actor_id else false()
    return or_(col(Application.staff_id) == user.id, own)


def team_members_clause(application: Application) -> ColumnElement[bool]:
    """SQL: the users on the application's team (the same rule as `team_clause`)."""
    staff = col(User.id) == application.staff_id if application.staff_id else false()
    return or_(staff, col(User.actor_id) == application.actor_id)


def deadlines_to_meet(application: Application, call: Call | None) -> list[Deadline]:
    """The deadlines the application has still to meet: every stage before it is submitted,
    stage 2 after stage 1 of a two-stage call; a call typed in by hand has its one deadline."""
    if call is None:
        typed = application.call_deadline
        return [Deadline(typed)] if typed and application.stage in UNSUBMITTED else []
    if application.stage in UNSUBMITTED:
        return call.deadline_list()
    if application.stage == "submitted" and is_two_stage(call):
        return sorted(call.deadline_list(), key=lambda d: d.date)[1:]
    return []


def check_partner(partner: Mapping[str, str]) -> dict[str, str]:
    """A consortium partner: a name, a two-letter country, a role, a nine-digit PIC or none."""
    name, country = partner.get("name", "").strip(), partner.get("country", "").strip().upper()
    role, pic = partner.get("role", "").strip(), partner.get("pic", "").strip()
    if not name:
        raise ApplicationError("partner_name", "a partner needs a name")
    if not _COUNTRY.match(country):
        raise ApplicationError("partner_country", f"not a country code: {country!r}")
    if role not in ROLES:
        raise ApplicationError("partner_role", f"role must be one of {', '.join(ROLES)}")
    if pic and not PIC.match(pic):
        raise ApplicationError("partner_pic", f"a PIC has nine digits: {pic!r}")
    return {"name": name, "country": country, "role": role, "pic": pic}


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The editable values, checked: a call or its title, partners, links, role."""
    checked = {name: values[name] for name in EDITABLE if name in values}
    if not checked.get("call_id") and not (checked.get("call_title") or "").strip():
        raise ApplicationError("no_call", "an application needs a stored call or a call title")
    if checked.get("role", "partner") not in ROLES:
        raise ApplicationError("role", f"role must be one of {', '.join(ROLES)}")
    partners = checked.get("partners") or []
    if len(partners) > APPLICATION_PARTNERS:
        raise ApplicationError("partners", f"at most {APPLICATION_PARTNERS} partners")
    checked["partners"] = [check_partner(p) for p in partners]
    links = checked.get("links") or []
    if len(links) > APPLICATION_LINKS or any(len(link) > LINK_CHARS for link in links):
        raise ApplicationError("links", f"at most {APPLICATION_LINKS} links")
    if not all(is_web_link(link) for link in links):
        raise ApplicationError("link_scheme", "document links are http or https addresses")
    checked["links"] = list(links)
    return checked


def create_application(
    session: Session,
    actor_id: int,
    values: Mapping[str, Any],
    *,
    user_id: int | None,
    now: datetime,
    stage: str = "idea",
    from_match: bool = False,
) -> Application:
    """A new application of an actor, recorded as created by `user_id`."""
    application = Application(
        actor_id=actor_id, stage=stage, created_at=now, updated_at=now, **check_values(values)
    )
    session.add(application)
    session.flush()
    _record(
        session,
        application,
        user_id,
        now,
        kind="created",
        new_value={"stage": stage, "from_match": from_match},
    )
    return application


def start_from_match(
    session: Session, actor_id: int, call_id: int, *, user_id: int | None, now: datetime
) -> Application:
    """The actor's application to this call: started at "preparing" the first time a match is
    marked applied, by a staff member as its responsible staff member; the one already there
    (at any stage) after that."""
    existing = session.exec(
        select(Application).where(Application.actor_id == actor_id, Application.call_id == call_id)
    ).first()
    if existing is not None:
        return existing
    values: dict[str, Any] = {"call_id": call_id}
    marker = session.get(User, user_id) if user_id is not None else None
    if marker is not None and marker.role in STAFF_ROLES:
        values["staff_id"] = marker.id
    return create_application(
        session, actor_id, values, user_id=user_id, now=now, stage=FROM_MATCH, from_match=True
    )


def update_application(
    session: Session,
    application: Application,
    values: Mapping[str, Any],
    *,
    user_id: int | None,
    now: datetime,
) -> list[ApplicationEvent]:
    """Change the editable fields; one event per field that changed."""
    checked = check_values({**{n: getattr(application, n) for n in EDITABLE}, **values})
    events = []
    for name, value in checked.items():
        old = getattr(application, name)
        if old == value:
            continue
        setattr(application, name, value)
        events.append(
            _record(
                session,
                application,
                user_id,
                now,
                kind="field",
                field_name=name,
                old_value=_plain(old),
                new_value=_plain(value),
            )
        )
    return events


def add_partner(
    session: Session,
    application: Application,
    partner: Mapping[str, str],
    *,
    user_id: int | None,
    now: datetime,
) -> bool:
    """Add a consortium partner, recorded as an edit; False when one of its PIC is there."""
    pic = partner.get("pic")
    if pic and any(p.get("pic") == pic for p in application.partners):
        return False
    values = {"partners": [*application.partners, partner]}
    update_application(session, application, values, user_id=user_id, now=now)
    return True


def move(
    session: Session,
    application: Application,
    to: str,
    *,
    user_id: int | None,
    now: datetime,
    reason: str | None = None,
    reason_text: str | None = None,
    score: float | None = None,
) -> ApplicationEvent:
    """Move to stage `to` as MOVES allows; a no-go or a rejection takes one of REASONS, and a
    rejection may carry the evaluation score."""
    call = application_call(session, application)
    if to not in next_stages(application, call):
        raise ApplicationError("move", f"{application.stage} cannot move to {to}")
    reason_text = (reason_text or "").strip() or None
    if to in NEEDS_REASON and reason not in REASONS:
        raise ApplicationError("reason", f"moving to {to} needs a reason: {', '.join(REASONS)}")
    if to not in NEEDS_REASON and (reason or reason_text):
        raise ApplicationError("no_reason", f"moving to {to} takes no reason")
    if score is not None and to != SCORED:
        raise ApplicationError("score", "only a rejection carries an evaluation score")
    old = application.stage
    application.stage, application.reason, application.reason_text = to, reason, reason_text
    if to == SCORED:
        application.evaluation_score = score
    detail = {"reason": reason, "reason_text": reason_text, "score": score}
    return _record(
        session,
        application,
        user_id,
        now,
        kind="stage",
        old_value=old,
        new_value=to,
        detail={k: v for k, v in detail.items() if v is not None},
    )


def application_call(session: Session, application: Application) -> Call | None:
    """The stored call of an application (the one it was merged into, if it was), or None."""
    if application.call_id is None:
        return None
    call = session.get(Call, application.call_id)
    return kept_call(session, call) if call is not None else None


def applications_of_calls(session: Session, actor_id: int, call_ids: list[int]) -> dict[int, int]:
    """The application id of each of these calls that the actor has one for."""
    rows = session.exec(
        select(Application.call_id, Application.id).where(
            Application.actor_id == actor_id, col(Application.call_id).in_(call_ids)
        )
    )
    return {call_id: app_id for call_id, app_id in rows if call_id is not None and app_id}


def _record(
    session: Session, application: Application, user_id: int | None, now: datetime, **fields: Any
) -> ApplicationEvent:
    application.updated_at = now
    session.add(application)
    event = ApplicationEvent(
        application_id=application.id, user_id=user_id, created_at=now, **fields
    )
    session.add(event)
    session.flush()
    return event


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: a day as its ISO text."""
    return value.isoformat() if hasattr(value, "isoformat") else value
