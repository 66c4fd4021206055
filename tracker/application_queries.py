"""Applications as the pages read them: filtered lists, their deadlines, and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, true
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from scrapers.record import Deadline
from tracker.accounts import STAFF_ROLES
from tracker.applications import application_call
from tracker.models import (
    Actor,
    Application,
    ApplicationEvent,
    Call,
    CallDeadline,
    CallVersion,
    ChangeEvent,
    User,
)
from tracker.queries import kept_call

# What a listed application shows of its call (of its organisation and staff member: the
# name); other fields load when read.
LISTED_CALL_FIELDS = (
    "id",
    "identifier",
    "title",
    "programme",
    "deadlines",
    "deadline_model",
    "url",
)


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


def deadlines_of(application: Application, call: Call | None) -> list[Deadline]:
    """Every stage or cut-off of the application's call, as the call has them now; the day
    typed in for a call no source has."""
    if call is not None:
        return sorted(call.deadline_list(), key=lambda d: d.date)
    return [Deadline(application.call_deadline)] if application.call_deadline else []


def programme_clause() -> Any:
    """SQL of `ApplicationRow.programme` (Call outer-joined): the stored call's programme, else
    the one typed in."""
    stored = col(Application.call_id).is_not(None)
    return case((stored, Call.programme), else_=Application.call_programme)


def programme_is_clause(programme: str) -> Any:
    """SQL: `programme_clause() == programme`, as a list of calls the call index finds (no
    join: a rare programme is found without reading every application's call)."""
    stored = select(Call.id).where(Call.programme == programme)
    typed = col(Application.call_id).is_(None) & (Application.call_programme == programme)
    return or_(col(Application.call_id).in_(stored), typed)


def deadline_within_clause(start: date | None, end: date | None) -> Any:
    """SQL: a deadline of the application's call (any stage), or the day typed in for a call no
    source has, lies between `start` and `end` (each included; None: open)."""

    def within(day: Any) -> Any:
        return and_(true(), *([day >= start] if start else []), *([day <= end] if end else []))

    # The calls with a deadline in the range, by the index (deadline, call_id).
    stored = select(CallDeadline.call_id).where(within(CallDeadline.deadline))
    typed = col(Application.call_id).is_(None) & within(Application.call_deadline)
    return or_(col(Application.call_id).in_(stored), typed)


def find_applications(session: Session, filters: ApplicationFilter) -> list[ApplicationRow]:
    """The applications the filters select, by the actor's name and then newest first."""
    return _rows(session, _conditions(filters))


def application_page(
    session: Session, filters: ApplicationFilter, limit: int, offset: int
) -> tuple[list[ApplicationRow], int]:
    """`limit` of the applications the filters select after `offset` of them, in the order of
    find_applications, and how many they are: the page's ids and the total in one pass, then
    only the rows shown."""
    paged = session.exec(
        _joined(select(Application.id, func.count().over()))
        .where(*_conditions(filters))
        .order_by(*_ORDER)
        .offset(offset)
        .limit(limit)
    ).all()
    if not paged:  # past the last page, or none
        return [], count_applications(session, filters) if offset else 0
    return _rows(session, [col(Application.id).in_([found for found, _ in paged])]), paged[0][1]


def count_applications(session: Session, filters: ApplicationFilter) -> int:
    """How many applications the filters select."""
    query = _joined(select(func.count()).select_from(Application)).where(*_conditions(filters))
    return session.exec(query).one()


_ORDER = (col(Actor.name), col(Application.id).desc())


def _joined(query: Any) -> Any:
    """`query` with each application's organisation and its call (None when typed in)."""
    return query.join(Actor, col(Actor.id) == Application.actor_id).outerjoin(
        Call, col(Call.id) == Application.call_id
    )


def _rows(session: Session, conditions: list[Any]) -> list[ApplicationRow]:
    query = (
        _joined(select(Application, Actor, Call, User))
        .outerjoin(User, col(User.id) == Application.staff_id)
        .where(*conditions)
        .options(
            load_only(*(getattr(Call, name) for name in LISTED_CALL_FIELDS)),
            load_only(col(Actor.id), col(Actor.name)),
            load_only(col(User.id), col(User.name), col(User.email)),
        )
        .order_by(*_ORDER)
    )
    return [ApplicationRow(*found) for found in session.exec(query)]


def _conditions(filters: ApplicationFilter) -> list[Any]:
    conditions = []
    if filters.actor_id is not None:
        conditions.append(Application.actor_id == filters.actor_id)
    if filters.stage:
        conditions.append(Application.stage == filters.stage)
    if filters.staff_id is not None:
        conditions.append(Application.staff_id == filters.staff_id)
    if filters.programme:
        conditions.append(programme_is_clause(filters.programme))
    if filters.deadline_from is not None or filters.deadline_to is not None:
        conditions.append(deadline_within_clause(filters.deadline_from, filters.deadline_to))
    return conditions


def application_row(session: Session, application: Application) -> ApplicationRow:
    actor = session.get(Actor, application.actor_id)
    assert actor is not None  # a foreign key
    staff = session.get(User, application.staff_id) if application.staff_id else None
    return ApplicationRow(application, actor, application_call(session, application), staff)


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


def applications_state(session: Session) -> tuple[Any, ...]:
    """The state of what views of the applications read, in one cheap query (ids and indexed
    stamps): it changes whenever an application, a call or an organisation does, so what was
    computed from them for the same state is still true."""
    values = (
        func.count(col(Application.id)),
        func.max(ApplicationEvent.id),  # every change of an application is an event
        func.max(CallVersion.id),  # every change of a call's content is a version
        func.max(Call.last_changed),  # and a merge stamps the merged call
        func.max(Actor.updated_at),  # a renamed organisation
    )
    each = [select(value).scalar_subquery() for value in values]
    return tuple(session.exec(select(*each)).one())


def staff_members(session: Session) -> list[User]:
    """Who can be responsible for an application: active staff and admins, by name."""
    query = select(User).where(col(User.role).in_(STAFF_ROLES), col(User.active).is_(True))
    return sorted(session.exec(query), key=lambda u: (u.name or u.email).casefold())


def programmes(session: Session, actor_id: int | None) -> list[str]:
    """The programmes of the applications of an actor (None: of every actor), sorted."""
    programme = programme_clause()
    query = (
        select(programme)
        .select_from(Application)
        .outerjoin(Call, col(Call.id) == Application.call_id)
        .where(programme.is_not(None), programme != "")
        .distinct()
    )
    if actor_id is not None:
        query = query.where(Application.actor_id == actor_id)
    return sorted(session.exec(query))


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    users = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    return {int(user.id or 0): user for user in users}


def call_by_identifier(session: Session, identifier: str) -> Call | None:
    """The stored call with this identifier (the call it was merged into, if it was)."""
    call = session.exec(select(Call).where(Call.identifier == identifier.strip())).first()
    return kept_call(session, call) if call is not None else None
