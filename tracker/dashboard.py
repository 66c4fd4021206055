"""The regional dashboard: the region's applications counted and summed by the database
(GROUP BY), never read one by one, beside the region's direct EU funding before the service.

What counts (tracker/applications.py names the stages): an application's EU contribution is
"requested" once it is submitted (SUBMITTED) and "granted" when it is granted; the success
rate is granted over decided (DECIDED: granted or rejected; a withdrawn application never got
a decision); the open pipeline is the requested contribution of the applications not decided
yet (OPEN_STAGES).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, extract, func, true, union_all
from sqlmodel import Session, col, select

from tracker.application_queries import programme_clause
from tracker.applications import DECIDED, GRANTED, OPEN_STAGES, STAGES, SUBMITTED
from tracker.baseline import Funding, funding_by_year
from tracker.models import Actor, Application, Call, CallDeadline

DEADLINE_WEEKS = 8  # the coming weeks whose deadlines are counted
UPCOMING_SHOWN = 20  # the nearest deadlines listed one by one
TOP_ACTORS = 10


@dataclass(frozen=True)
class Figures:
    """A group of applications: how many, and their EU contribution requested and granted."""

    applications: int = 0
    requested_eur: int = 0  # of the submitted ones
    granted_eur: int = 0  # of the granted ones


@dataclass(frozen=True)
class Stage:
    applications: int = 0
    requested_eur: int = 0  # the contribution its applications ask for, submitted or not yet


@dataclass(frozen=True)
class Upcoming:
    day: date
    application_id: int
    actor: str
    title: str
    stage: str


@dataclass(frozen=True)
class Dashboard:
    stages: dict[str, Stage]  # every stage, in STAGES order
    by_programme: list[tuple[str | None, Figures]]  # most requested first
    by_year: list[tuple[int | None, Figures]]  # oldest first
    weeks: list[tuple[date, int]]  # the Monday of each coming week, deadlines in it
    upcoming: list[Upcoming]
    actors: list[tuple[int, str, Figures]]  # most applications first
    baseline: list[tuple[int | None, Funding | None, Figures]]  # CORDIS and tracked, by year

    @property
    def decided(self) -> int:
        return sum(self.stages[s].applications for s in DECIDED)

    @property
    def success_rate(self) -> float | None:
        """Granted over decided; None before any decision."""
        granted = self.stages[GRANTED].applications
        return granted / self.decided if self.decided else None

    @property
    def pipeline(self) -> list[tuple[str, int, int]]:
        """Each open stage: its applications and the EU contribution they request."""
        return [(s, self.stages[s].applications, self.stages[s].requested_eur) for s in OPEN_STAGES]

    @property
    def total(self) -> Stage:
        stages = self.stages.values()
        return Stage(sum(s.applications for s in stages), sum(s.requested_eur for s in stages))


def dashboard(session: Session, today: date) -> Dashboard:
    """Every figure of the dashboard on `today`."""
    by_year = _grouped(session, extract("year", _worked_to_day()))
    by_year.sort(key=lambda row: (row[0] is None, row[0] or 0))
    by_programme = _grouped(session, programme_clause())
    by_programme.sort(key=lambda row: (-row[1].requested_eur, row[0] or ""))
    return Dashboard(
        stages=_stages(session),
        by_programme=by_programme,
        by_year=by_year,
        weeks=_weeks(session, today),
        upcoming=_upcoming(session, today),
        actors=_actors(session),
        baseline=_beside_baseline(funding_by_year(session), dict(by_year)),
    )


def _figures() -> tuple[Any, ...]:
    """SQL aggregates of a group of applications, in the order of Figures' fields."""
    submitted = col(Application.stage).in_(SUBMITTED)
    granted = Application.stage == GRANTED
    return (
        func.count(),
        func.sum(case((submitted, func.coalesce(Application.requested_eur, 0)), else_=0)),
        func.sum(case((granted, func.coalesce(Application.granted_eur, 0)), else_=0)),
    )


def _as_figures(values: Any) -> Figures:
    # PostgreSQL sums BIGINT as numeric: Decimals of whole euros.
    return Figures(*(int(v or 0) for v in values))


def _stages(session: Session) -> dict[str, Stage]:
    requested = func.coalesce(func.sum(Application.requested_eur), 0)
    query = select(Application.stage, func.count(), requested).group_by(col(Application.stage))
    found = {stage: Stage(count, int(eur)) for stage, count, eur in session.exec(query)}
    return {stage: found.get(stage, Stage()) for stage in STAGES}


def _grouped(session: Session, key: Any) -> list[tuple[Any, Figures]]:
    """Figures by `key`, an SQL expression over an application and its call."""
    query = (
        select(key.label("key"), *_figures())
        .select_from(Application)
        .outerjoin(Call, col(Call.id) == Application.call_id)
        .group_by(key)
    )
    return [(_plain(found), _as_figures(values)) for found, *values in session.exec(query)]


def _plain(key: Any) -> Any:
    """A year as int (PostgreSQL's EXTRACT answers numeric), any other key as it is."""
    return int(key) if isinstance(key, Decimal | float) else key


def _worked_to_day() -> Any:
    """SQL: the day of the deadline an application works to: its call's first deadline for a
    new applicant on or after the day it was started; else the call's last one (an application
    recorded after its call closed) or the day typed in for a call no source has; else the day
    it was started."""
    first_ahead = (
        select(func.min(CallDeadline.deadline))
        .where(
            CallDeadline.call_id == Application.call_id,
            CallDeadline.newcomer == true(),
            CallDeadline.deadline >= func.date(Application.created_at),
        )
        .correlate(Application)
        .scalar_subquery()
    )
    closing = case(
        (col(Application.call_id).is_not(None), Call.final_deadline),
        else_=Application.call_deadline,
    )
    return func.coalesce(first_ahead, closing, func.date(Application.created_at))


def _deadlines(today: date, weeks: int = DEADLINE_WEEKS) -> Any:
    """SQL rows (day, application_id): every deadline of an open application from `today`
    to the end of the last coming week, any stage of its call or the day typed in."""
    end = _monday(today) + timedelta(weeks=weeks)
    is_open = col(Application.stage).in_(OPEN_STAGES)
    stored = (
        select(CallDeadline.deadline.label("day"), col(Application.id).label("application_id"))
        .join(Application, col(Application.call_id) == CallDeadline.call_id)
        .where(is_open, CallDeadline.deadline >= today, CallDeadline.deadline < end)
    )
    day = col(Application.call_deadline)
    typed = select(day.label("day"), col(Application.id).label("application_id")).where(
        is_open, col(Application.call_id).is_(None), and_(day >= today, day < end)
    )
    return union_all(stored, typed).subquery()


def _weeks(session: Session, today: date) -> list[tuple[date, int]]:
    """Deadlines per coming week (Monday to Sunday, the first from `today`)."""
    found = _deadlines(today)
    per_day = session.exec(select(found.c.day, func.count()).group_by(found.c.day)).all()
    first = _monday(today)
    counts = dict.fromkeys((first + timedelta(weeks=n) for n in range(DEADLINE_WEEKS)), 0)
    for day, count in per_day:
        counts[_monday(_day(day))] += count
    return list(counts.items())


def _upcoming(session: Session, today: date) -> list[Upcoming]:
    """The nearest deadlines of open applications, with the organisation and the call."""
    found = _deadlines(today)
    title = case((col(Application.call_id).is_not(None), Call.title), else_=Application.call_title)
    query = (
        select(found.c.day, Application.id, Actor.name, title, Application.stage)
        .join(Application, col(Application.id) == found.c.application_id)
        .join(Actor, col(Actor.id) == Application.actor_id)
        .outerjoin(Call, col(Call.id) == Application.call_id)
        .order_by(found.c.day, col(Actor.name), col(Application.id))
        .limit(UPCOMING_SHOWN)
    )
    return [
        Upcoming(_day(day), app_id, actor, title or "", stage)
        for day, app_id, actor, title, stage in session.exec(query)
    ]


def _actors(session: Session) -> list[tuple[int, str, Figures]]:
    """The organisations with the most applications, each with its figures."""
    count = func.count()
    query = (
        select(Actor.id, Actor.name, *_figures())
        .join(Application, col(Application.actor_id) == Actor.id)
        .group_by(col(Actor.id), col(Actor.name))
        .order_by(count.desc(), col(Actor.name), col(Actor.id))
        .limit(TOP_ACTORS)
    )
    return [
        (actor_id, name, _as_figures(values)) for actor_id, name, *values in session.exec(query)
    ]


def _beside_baseline(
    cordis: dict[int | None, Funding], tracked: dict[int | None, Figures]
) -> list[tuple[int | None, Funding | None, Figures]]:
    """Each year's CORDIS funding before the service beside the tracked applications' figures."""
    years = sorted(cordis.keys() | tracked.keys(), key=lambda y: (y is None, y or 0))
    return [(year, cordis.get(year), tracked.get(year, Figures())) for year in years]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _day(value: date | str) -> date:
    # SQLite answers a UNION's column as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
