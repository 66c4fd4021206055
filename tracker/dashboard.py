"""The regional dashboard: the region's applications counted and summed by the database
(GROUP BY), never read one by one, beside the region's direct EU funding before the service.

What counts (tracker/applications.py names the stages): an application's EU contribution is
"requested" once it is submitted (SUBMITTED) and "granted" when it is granted; the success
rate is granted over decided (FUNDER_DECIDED: granted or rejected; a withdrawn application
never got a decision); the open pipeline is the requested contribution of the applications
not decided yet (OPEN_STAGES).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, case, extract, func, true, union_all
from sqlmodel import Session, col, select

from tracker.application_queries import programme_clause
from tracker.applications import FUNDER_DECIDED, GRANTED, OPEN_STAGES, STAGES, SUBMITTED
from tracker.baseline import Funding
from tracker.models import Actor, Application, Call, CallDeadline

K = TypeVar("K")
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

    @property
    def decided(self) -> int:
        return sum(self.stages[s].applications for s in FUNDER_DECIDED)

    @property
    def success_rate(self) -> float | None:
        """Granted over decided; None before any decision."""
        granted = self.stages[GRANTED].applications
        return granted / self.decided if self.decided else None

    @property
    def pipeline(self) -> list[tuple[str, int, int]]:
        """Each open stage: its applications and the EU contribution they request."""
        return [(s, self.stages[s].applications, self.stages[s].requested_eur) for s in OPEN_STAGES]

    def beside(
        self, cordis: dict[int | None, Funding]
    ) -> list[tuple[int | None, Funding | None, Figures]]:
        """Each year's funding in CORDIS before the service (baseline.funding_by_year) beside
        the tracked applications' figures."""
        tracked = dict(self.by_year)
        years = sorted(cordis.keys() | tracked.keys(), key=lambda y: (y is None, y or 0))
        return [(year, cordis.get(year), tracked.get(year, Figures())) for year in years]

    @property
    def total(self) -> Stage:
        stages = self.stages.values()
        return Stage(sum(s.applications for s in stages), sum(s.requested_eur for s in stages))


def dashboard(session: Session, today: date) -> Dashboard:
    """Every figure of the dashboard on `today`."""
    groups = _groups(session)
    by_programme = _summed((g.key[0], g.figures) for g in groups)
    by_programme.sort(key=lambda row: (-row[1].requested_eur, row[0] or ""))
    by_year = _summed((g.key[1], g.figures) for g in groups)
    by_year.sort(key=lambda row: (row[0] is None, row[0] or 0))
    stages = dict.fromkeys(STAGES, Stage())
    for g in groups:
        was = stages[g.stage]
        stages[g.stage] = Stage(
            was.applications + g.applications, was.requested_eur + g.requested_eur
        )
    return Dashboard(
        stages=stages,
        by_programme=by_programme,
        by_year=by_year,
        weeks=_weeks(session, today),
        upcoming=_upcoming(session, today),
        actors=_actors(session),
    )


@dataclass(frozen=True)
class _Group:
    """The applications of one stage and key (a programme and year, or an organisation)."""

    stage: str
    key: tuple[Any, ...]
    applications: int
    requested_eur: int  # asked for, submitted or not
    granted_eur: int

    @property
    def figures(self) -> Figures:
        """The EU contribution counts as requested once submitted, as granted when granted."""
        submitted, granted = self.stage in SUBMITTED, self.stage == GRANTED
        return Figures(
            self.applications,
            self.requested_eur if submitted else 0,
            self.granted_eur if granted else 0,
        )


def _by_stage_and(session: Session, query: Any, *key: Any) -> list[_Group]:
    """The applications of `query` (from Application) counted and summed by stage and `key`."""
    requested = func.coalesce(func.sum(Application.requested_eur), 0)
    granted = func.coalesce(func.sum(Application.granted_eur), 0)
    grouped = query.add_columns(Application.stage, func.count(), requested, granted).group_by(
        col(Application.stage), *key
    )
    # PostgreSQL sums BIGINT as numeric: Decimals of whole euros.
    return [
        _Group(stage, tuple(found), count, int(eur), int(won))
        for *found, stage, count, eur, won in session.exec(grouped)
    ]


def _groups(session: Session) -> list[_Group]:
    """The applications counted and summed by stage, programme and year in one pass, which
    the figures by stage, by programme and by year add up."""
    programme, year = programme_clause(), extract("year", _worked_to_day())
    query = select(programme, year).outerjoin(Call, col(Call.id) == Application.call_id)
    groups = _by_stage_and(session, query.select_from(Application), programme, year)
    # EXTRACT answers numeric on PostgreSQL.
    return [replace(g, key=(g.key[0], None if g.key[1] is None else int(g.key[1]))) for g in groups]


def _summed(pairs: Iterable[tuple[K, Figures]]) -> list[tuple[K, Figures]]:
    """The figures of each key added up, in the order the keys first come."""
    sums: dict[K, Figures] = {}
    for key, figures in pairs:
        was = sums.get(key, Figures())
        sums[key] = Figures(*(a + b for a, b in zip(astuple(was), astuple(figures), strict=True)))
    return list(sums.items())


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


def _deadlines(today: date) -> Any:
    """SQL rows (day, application_id): every deadline of an open application from `today`
    to the end of the last coming week, any stage of its call or the day typed in."""
    end = _monday(today) + timedelta(weeks=DEADLINE_WEEKS)
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
    most = (
        select(Actor.id)
        .join(Application, col(Application.actor_id) == Actor.id)
        .group_by(col(Actor.id), col(Actor.name))
        .order_by(func.count().desc(), col(Actor.name), col(Actor.id))
        .limit(TOP_ACTORS)
    )
    query = select(Actor.id, Actor.name).join(Actor, col(Actor.id) == Application.actor_id)
    query = query.select_from(Application).where(col(Actor.id).in_(most))
    groups = _by_stage_and(session, query, col(Actor.id), col(Actor.name))
    actors = [(*key, figures) for key, figures in _summed((g.key, g.figures) for g in groups)]
    return sorted(actors, key=lambda row: (-row[2].applications, row[1], row[0]))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _day(value: date | str) -> date:
    # SQLite answers a UNION's column as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
