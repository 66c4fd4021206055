"""What staff see at a glance: every actor's matches, this week's calls, the sources' runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.changes import worth_telling
from tracker.models import Actor, Call, CallSource, ChangeEvent, JobRun, Match
from tracker.queries import UNMERGED


@dataclass
class ActorSummary:
    actor: Actor
    matches: int = 0
    best: list[tuple[Match, Call]] = field(default_factory=list)
    newest: tuple[Match, Call] | None = None


def actors_overview(session: Session, best: int = 3) -> list[ActorSummary]:
    """Every actor with its match count, its best matches and its newest match."""
    summaries = {actor.id: ActorSummary(actor) for actor in session.exec(select(Actor))}
    counts = session.exec(select(Match.actor_id, func.count()).group_by(col(Match.actor_id))).all()
    for actor_id, count in counts:
        summaries[actor_id].matches = count
    by_score = func.row_number().over(
        partition_by=Match.actor_id, order_by=(col(Match.score).desc(), col(Match.id))
    )
    by_time = func.row_number().over(
        partition_by=Match.actor_id, order_by=(col(Match.computed_at).desc(), col(Match.id).desc())
    )
    ranked = select(Match.id, by_score.label("by_score"), by_time.label("by_time")).subquery()
    rows = session.exec(
        select(Match, Call, ranked.c.by_score, ranked.c.by_time)
        .join(ranked, ranked.c.id == Match.id)
        .join(Call, col(Call.id) == Match.call_id)
        .where((ranked.c.by_score <= best) | (ranked.c.by_time == 1))
        .order_by(ranked.c.by_score)
    )
    for match, call, score_rank, time_rank in rows:
        summary = summaries[match.actor_id]
        if score_rank <= best:
            summary.best.append((match, call))
        if time_rank == 1:
            summary.newest = (match, call)
    return sorted(summaries.values(), key=lambda s: s.actor.name.casefold())


def first_load_since(session: Session, since: datetime) -> datetime | None:
    """When the calls were first loaded, if no call was stored before `since`: then every
    call counts as new since `since`, and the page says why."""
    older = session.exec(select(Call.id).where(col(Call.first_seen) < since).limit(1)).first()
    return None if older else session.exec(select(func.min(Call.first_seen))).one()


def calls_changed_since(session: Session, since: datetime) -> list[Call]:
    """Calls first seen before `since` that changed since then (new ones: `search_calls`)."""
    changed_ids = select(ChangeEvent.call_id).where(col(ChangeEvent.created_at) >= since)
    changed = session.exec(
        select(Call)
        .where(col(Call.id).in_(changed_ids), col(Call.first_seen) < since, UNMERGED)
        .order_by(col(Call.last_changed).desc())
    ).all()
    return list(changed)


def source_status(session: Session, recent: int = 5) -> list[dict[str, Any]]:
    """Each source's last run, last successful run and recent failures."""
    newest = select(func.max(JobRun.id)).where(col(JobRun.source).is_not(None))
    last = session.exec(select(JobRun).where(col(JobRun.id).in_(newest.group_by(JobRun.source))))
    ok = newest.where(JobRun.ok).group_by(JobRun.source)
    last_ok = {
        run.source: run for run in session.exec(select(JobRun).where(col(JobRun.id).in_(ok)))
    }
    status = []
    for run in sorted(last, key=lambda r: r.source or ""):
        failures = session.exec(
            select(JobRun)
            .where(JobRun.source == run.source, col(JobRun.ok).is_(False))
            .order_by(col(JobRun.id).desc())
            .limit(recent)
        ).all()
        status.append({"last": run, "last_ok": last_ok.get(run.source), "failures": failures})
    return status


def call_sources(session: Session, call_id: int) -> list[CallSource]:
    query = select(CallSource).where(CallSource.call_id == call_id)
    return list(session.exec(query.order_by(col(CallSource.source))))


def call_history(session: Session, call_id: int) -> list[ChangeEvent]:
    """A call's change events, newest first; a field's first value, stored as an event by
    earlier releases, is no change."""
    query = select(ChangeEvent).where(ChangeEvent.call_id == call_id)
    events = session.exec(query.order_by(col(ChangeEvent.created_at).desc(), col(ChangeEvent.id)))
    return [e for e in events if worth_telling(e.field_name, e.old_value)]
