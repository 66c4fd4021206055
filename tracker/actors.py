"""Actors as the web side reads and edits them: profiles, past projects, matches and feedback."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.applications import applications_of_calls
from tracker.models import Actor, ActorProject, Call, Feedback, Match, utcnow

PROFILE_FIELDS = (
    "name",
    "business_id",
    "pic",
    "organisation_type",
    "municipality",
    "nuts3",
    "country",
    "industry_codes",
    "themes",
    "keywords",
    "description",
    "programmes",
    "preferred_role",
    "budget_min_eur",
    "budget_max_eur",
    "cofinancing_eur",
    "contacts",
)


@dataclass
class MatchRow:
    """A match as the matches page shows it, with the latest verdict given on it."""

    match: Match
    call: Call
    verdict: str | None
    application_id: int | None = None  # the actor's application to the call, if any


def list_actors(session: Session) -> list[Actor]:
    return list(session.exec(select(Actor).order_by(col(Actor.name))))


def actor_names(session: Session) -> list[tuple[int, str]]:
    """Every actor's id and name, by name: a form's choices, without loading the profiles."""
    query = select(Actor.id, Actor.name).order_by(col(Actor.name))
    return [(int(actor_id or 0), name) for actor_id, name in session.exec(query)]


def find_actor(session: Session, business_id: str) -> Actor | None:
    return session.exec(select(Actor).where(Actor.business_id == business_id)).first()


def save_actor(session: Session, actor: Actor | None, values: dict[str, Any]) -> Actor:
    """Create or update an actor's profile from validated field values."""
    actor = actor or Actor(name=values["name"])
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(actor, name, values[name])
    profile = {name: getattr(actor, name) for name in PROFILE_FIELDS}
    actor.profile_hash = hashlib.sha256(
        json.dumps(profile, sort_keys=True, default=str).encode()
    ).hexdigest()
    actor.updated_at = utcnow()
    session.add(actor)
    session.flush()
    return actor


def actor_projects(session: Session, actor_id: int) -> list[ActorProject]:
    """Past EU projects, newest call year first."""
    query = select(ActorProject).where(ActorProject.actor_id == actor_id)
    order = (col(ActorProject.call_year).is_(None), col(ActorProject.call_year).desc())
    return list(session.exec(query.order_by(*order, col(ActorProject.project_id))))


def latest_marks(session: Session, actor_id: int | None = None) -> list[Feedback]:
    """The newest mark of each actor (or of one) on each call it judged, oldest first."""
    newest = select(func.max(Feedback.id)).group_by(Feedback.actor_id, col(Feedback.call_id))
    if actor_id is not None:
        newest = newest.where(Feedback.actor_id == actor_id)
    query = select(Feedback).where(col(Feedback.id).in_(newest)).order_by(col(Feedback.id))
    return list(session.exec(query))


def latest_verdicts(session: Session, actor_id: int) -> dict[int, str]:
    """The newest verdict on each call this actor judged."""
    return {mark.call_id: mark.verdict for mark in latest_marks(session, actor_id)}


def dismissed_calls(session: Session, actor_id: int) -> list[tuple[Feedback, Call]]:
    """The calls this actor marked not relevant (its newest mark), newest mark first."""
    marks = [m for m in latest_marks(session, actor_id) if m.verdict == "not_relevant"]
    calls = {
        c.id: c
        for c in session.exec(select(Call).where(col(Call.id).in_([m.call_id for m in marks])))
    }
    return [(m, calls[m.call_id]) for m in reversed(marks)]


def actor_matches(
    session: Session,
    actor_id: int,
    *,
    limit: int | None = 50,
    offset: int = 0,
    call_id: int | None = None,
) -> tuple[list[MatchRow], int]:
    """An actor's matches, best first, without the calls judged not relevant; and their count."""
    verdicts = latest_verdicts(session, actor_id)
    hidden = [judged for judged, verdict in verdicts.items() if verdict == "not_relevant"]
    conditions = [Match.actor_id == actor_id, col(Match.call_id).not_in(hidden)]
    if call_id is not None:
        conditions.append(Match.call_id == call_id)
    total = session.exec(select(func.count()).select_from(Match).where(*conditions)).one()
    rows = session.exec(
        select(Match, Call)
        .join(Call, col(Call.id) == Match.call_id)
        .where(*conditions)
        .order_by(col(Match.score).desc(), col(Match.call_id))
        .offset(offset)
        .limit(limit)
    ).all()
    applied = applications_of_calls(session, actor_id, [call.id for _match, call in rows])
    found = [MatchRow(m, call, verdicts.get(call.id), applied.get(call.id)) for m, call in rows]
    return found, total


def call_matches(session: Session, call_id: int) -> list[tuple[Match, Actor]]:
    """The actors a call matches, best score first."""
    rows = session.exec(
        select(Match, Actor)
        .join(Actor, col(Actor.id) == Match.actor_id)
        .where(Match.call_id == call_id)
        .order_by(col(Match.score).desc())
    )
    return list(rows.all())


def find_match(session: Session, actor_id: int, call_id: int) -> Match | None:
    query = select(Match).where(Match.actor_id == actor_id, Match.call_id == call_id)
    return session.exec(query).first()
