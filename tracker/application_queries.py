"""Applications as the pages read them: filtered lists, their deadlines, and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from scrapers.record import Deadline
from tracker.models import Actor, Application, ApplicationEvent, Call, ChangeEvent, User
from tracker.queries import kept_call

STAFF_ROLES = ("staff", "admin")


@dataclass
class ApplicationFilter:
    """What the applications table and board show; `actor_id` alone for a member."""

    actor_id: int | None = None
    programme: str = ""
    stage: str = ""
    staff_id: int | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None


@dataclass
class ApplicationRow:
    """An application with its actor, its call (None when typed in by hand) and deadlines."""

    application: Application
    actor: Actor
    call: Call | None
    staff: User | None

    @property
    def title(self) -> str:
        return self.call.title if self.call else self.application.call_title or ""

    @property
    def programme(self) -> str:
        return (self.call.programme if self.call else self.application.call_programme) or ""

    @property
    def deadlines(self) -> list[Deadline]:
        return deadlines_of(self.application, self.call)

    def next_deadline(self, today: date) -> Deadline | None:
        """The first deadline on or after `today`."""
        return next((d for d in self.deadlines if d.date >= today), None)

    def has_deadline_within(self, start: date | None, end: date | None) -> bool:
        return any(
            (start is None or d.date >= start) and (end is None or d.date <= end)
            for d in self.deadlines
        )


def deadlines_of(application: Application, call: Call | None) -> list[Deadline]:
    """Every stage or cut-off of the application's call, as the call has them now; the day
    typed in for a call no source has."""
    if call is not None:
        return sorted(call.deadline_list(), key=lambda d: d.date)
    return [Deadline(application.call_deadline)] if application.call_deadline else []


def find_applications(session: Session, filters: ApplicationFilter) -> list[ApplicationRow]:
    """The applications the filters select, by the actor's name and then newest first."""
    query = select(Application, Actor).join(Actor, col(Actor.id) == Application.actor_id)
    if filters.actor_id is not None:
        query = query.where(Application.actor_id == filters.actor_id)
    if filters.stage:
        query = query.where(Application.stage == filters.stage)
    if filters.staff_id is not None:
        query = query.where(Application.staff_id == filters.staff_id)
    found = session.exec(query.order_by(col(Actor.name), col(Application.id).desc())).all()
    calls = _kept_calls(session, {a.call_id for a, _actor in found if a.call_id})
    staff = users_by_id(session, {a.staff_id for a, _actor in found if a.staff_id})
    rows = [
        ApplicationRow(a, actor, calls.get(a.call_id or 0), staff.get(a.staff_id or 0))
        for a, actor in found
    ]
    return [
        row
        for row in rows
        if (not filters.programme or row.programme == filters.programme)
        and (
            (filters.deadline_from is None and filters.deadline_to is None)
            or row.has_deadline_within(filters.deadline_from, filters.deadline_to)
        )
    ]


def application_row(session: Session, application: Application) -> ApplicationRow:
    actor = session.get(Actor, application.actor_id)
    assert actor is not None  # a foreign key
    call = _kept_calls(session, {application.call_id} if application.call_id else set())
    staff = session.get(User, application.staff_id) if application.staff_id else None
    return ApplicationRow(application, actor, call.get(application.call_id or 0), staff)


def history(session: Session, row: ApplicationRow) -> list[ApplicationEvent | ChangeEvent]:
    """Every change of the application and every move of its call's deadlines since it was
    created, newest first."""
    application = row.application
    events: list[Any] = list(
        session.exec(
            select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
        )
    )
    if row.call is not None:
        events += session.exec(
            select(ChangeEvent).where(
                ChangeEvent.call_id == row.call.id,
                ChangeEvent.kind == "deadline",
                col(ChangeEvent.created_at) >= application.created_at,
            )
        )
    return sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)


def staff_members(session: Session) -> list[User]:
    """Who can be responsible for an application: active staff and admins, by name."""
    query = select(User).where(col(User.role).in_(STAFF_ROLES), col(User.active).is_(True))
    return sorted(session.exec(query), key=lambda u: (u.name or u.email).casefold())


def programmes(rows: list[ApplicationRow]) -> list[str]:
    return sorted({row.programme for row in rows if row.programme})


def _kept_calls(session: Session, ids: set[int]) -> dict[int, Call]:
    """Each call by its id, as the call it was merged into if it was."""
    calls = session.exec(select(Call).where(col(Call.id).in_(ids))).all() if ids else []
    return {int(call.id or 0): kept_call(session, call) for call in calls}


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    users = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    return {int(user.id or 0): user for user in users}


def call_by_identifier(session: Session, identifier: str) -> Call | None:
    """The stored call with this identifier (the call it was merged into, if it was)."""
    call = session.exec(select(Call).where(Call.identifier == identifier.strip())).first()
    return kept_call(session, call) if call is not None else None
