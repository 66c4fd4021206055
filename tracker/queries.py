"""Read-side queries over stored calls."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from scrapers.record import Status
from tracker.models import Call

SUMMARY_FIELDS = (
    "identifier",
    "title",
    "programme",
    "status",
    "next_deadline",
    "deadlines",
    "opening_date",
    "budget_eur",
    "type_of_action",
    "url",
    "first_seen",
    "last_seen",
)


UNMERGED = col(Call.merged_into_id).is_(None)  # a call merged into another is never listed


def ended_clause(today: date) -> Any:
    """SQL: the call's own dates closed it before `today` (final_deadline: a newcomer's last day,
    or the technical end of a call without deadlines; callrules.deadlines.closes_on)."""
    return col(Call.final_deadline) < today


def status_clause(status: Status, today: date) -> Any:
    """SQL condition equal to `Call.status` on `today`: ended by its dates, or withdrawn."""
    if status == "closed":
        return or_(ended_clause(today), col(Call.withdrawn_at).is_not(None))
    not_closed = or_(col(Call.final_deadline).is_(None), col(Call.final_deadline) >= today)
    not_closed &= col(Call.withdrawn_at).is_(None)
    if status == "forthcoming":
        return not_closed & (col(Call.opening_date) > today)
    opened = or_(col(Call.opening_date).is_(None), col(Call.opening_date) <= today)
    return not_closed & opened


def calls(session: Session, today: date, *, status: Status | None = None) -> list[Call]:
    """Stored calls, soonest final deadline first, optionally of one computed status."""
    query = select(Call).where(UNMERGED)
    if status is not None:
        query = query.where(status_clause(status, today))
    order = (col(Call.final_deadline).is_(None), col(Call.final_deadline), col(Call.identifier))
    return list(session.exec(query.order_by(*order)))


def call_summary(call: Call, today: date, min_days: int) -> dict[str, Any]:
    """The fields people and exports need first; status and next deadline for a new applicant."""
    view = call.for_applicant(today, min_days)
    return {
        "identifier": call.identifier,
        "title": call.title,
        "programme": call.programme,
        "status": view.status,
        "next_deadline": view.deadline.iso() if view.deadline else None,
        "deadlines": [d.iso() for d in call.deadline_list()],
        "opening_date": call.opening_date.isoformat() if call.opening_date else None,
        "budget_eur": call.budget_total_eur,
        "type_of_action": call.type_of_action,
        "url": call.url,
        "first_seen": call.first_seen.isoformat(timespec="seconds"),
        "last_seen": call.last_seen.isoformat(timespec="seconds"),
    }


def kept_call(session: Session, call: Call) -> Call:
    """The call a merged call lives on in, following chains of merges; the call itself if kept."""
    seen = {call.id}
    while call.merged_into_id is not None and call.merged_into_id not in seen:
        seen.add(call.merged_into_id)
        kept = session.get(Call, call.merged_into_id)
        if kept is None:
            break
        call = kept
    return call
