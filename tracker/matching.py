"""Stored calls and actors handed to the matcher; its matches and theme tags stored back."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from matcher.calls import CallInput
from matcher.engine import Match as Scored
from matcher.engine import score_calls, score_profile, scored_blocks
from matcher.feedback import DEFAULT_REASON, REASONS
from matcher.feedback import Feedback as Mark
from matcher.index import MatchIndex, with_actors
from matcher.profile import Profile
from matcher.themes import ThemeMatcher
from tracker.actors import latest_marks
from tracker.applications import start_from_match
from tracker.config import Settings
from tracker.db import among, insert_rows, reclaim
from tracker.match_index import INDEXES, calls_by_id
from tracker.match_inputs import call_input, profile, themes
from tracker.models import (
    Actor,
    ActorProject,
    Call,
    CallTheme,
    Feedback,
    Match,
    SourceState,
    utcnow,
)
from tracker.queries import UNMERGED

VERDICTS = ("relevant", "not_relevant", "applied")
SWAP_CHUNK = 500  # calls or actors written per transaction by a full re-score
THEMES_STATE = "matching:themes"  # the themes the calls were last tagged with, as a fingerprint


def load_index(session: Session, settings: Settings, today: date) -> MatchIndex:
    """Every open or forthcoming call and every actor, with the actors' feedback."""
    calls = INDEXES.calls(session, settings, today)
    return with_actors(calls, *_actors(session, calls))


def _actors(
    session: Session, index: MatchIndex, actor_id: int | None = None
) -> tuple[list[Profile], dict[str, list[Mark]]]:
    """The actors (all, or one) as profiles, with their marks."""
    actors = select(Actor) if actor_id is None else select(Actor).where(Actor.id == actor_id)
    projects_of = select(ActorProject)
    if actor_id is not None:
        projects_of = projects_of.where(ActorProject.actor_id == actor_id)
    projects: dict[int, list[ActorProject]] = defaultdict(list)
    for project in session.exec(projects_of):
        projects[project.actor_id].append(project)
    profiles = [profile(actor, projects[actor.id]) for actor in session.exec(actors)]
    calls = {int(f.call.id): f.call for f in index.calls}
    return profiles, _marks(session, calls, actor_id)


def _marks(
    session: Session, calls: dict[int, CallInput], actor_id: int | None = None
) -> dict[str, list[Mark]]:
    """Each actor's latest mark per call; a closed call's mark keeps teaching."""
    latest = latest_marks(session, actor_id)
    missing = {row.call_id for row in latest} - set(calls)
    if missing:
        closed = session.exec(select(Call).where(col(Call.id).in_(missing))).all()
        calls = {**calls, **{call.id: call_input(call) for call in closed if call.id}}
    marks: dict[str, list[Mark]] = defaultdict(list)
    for row in latest:
        mark = Mark(
            call=calls[row.call_id],
            kind=row.verdict,  # type: ignore[arg-type]
            content_hash=row.call_hash,
            reason=row.reason or DEFAULT_REASON,
        )
        marks[str(row.actor_id)].append(mark)
    return marks


def store_matches(
    session: Session,
    scored: Iterable[Scored],
    now: datetime,
    *,
    actor_ids: Sequence[int] | None = None,
    call_ids: Sequence[int] | None = None,
) -> int:
    """Replace the stored matches of these actors, these calls, or all, with the new ones."""
    query = delete(Match)
    if actor_ids is not None:
        query = query.where(among(session, Match.actor_id, actor_ids))
    if call_ids is not None:
        query = query.where(among(session, Match.call_id, call_ids))
    session.exec(query)
    rows = [
        {
            "actor_id": int(m.actor_id),
            "call_id": int(m.call_id),
            "score": round(m.score, 2),
            "components": {k: round(v, 4) for k, v in m.components.items()},
            "evidence": m.evidence.to_json(),
            "call_hash": m.content_hash,
            "computed_at": now,
        }
        for m in scored
    ]
    insert_rows(session, Match, rows)
    return len(rows)


def tag_themes(session: Session, settings: Settings, calls: Sequence[Any]) -> int:
    """Tag these calls (rows of `calls_by_id`), open or closed, with the Smart Häme themes they
    serve, and why."""
    matcher = ThemeMatcher(themes(settings))
    ids = [c.id for c in calls]
    for start in range(0, len(ids), SWAP_CHUNK):
        part = ids[start : start + SWAP_CHUNK]
        session.exec(delete(CallTheme).where(among(session, CallTheme.call_id, part)))
    rows = [
        {"call_id": call.id, "theme": tag.theme, "score": round(tag.score, 3),
         "reason": {"keywords": list(tag.keywords)}}
        for call in calls
        for tag in matcher.tag(call_input(call))
    ]  # fmt: skip
    insert_rows(session, CallTheme, rows)
    return len(rows)


def rescore_all(session: Session, settings: Settings, today: date, now: datetime) -> int:
    """Every actor against every open or forthcoming call, the text model fitted again.

    The long work only reads. What it writes is swapped in a chunk per transaction (the theme
    tags of a chunk of calls, then the matches of a chunk of actors as soon as they are
    scored, while the next ones are), so the pages read the old rows or the new ones, never
    none, and a web write waits for one chunk at most. An actor re-scored while the run worked
    (a new mark or profile) keeps that newer score.
    """
    started = utcnow()
    _tag_if_themes_changed(session, settings)
    calls = INDEXES.refit(session, settings, today)
    index = with_actors(calls, *_actors(session, calls))
    session.commit()  # the reading is done: from here on, a transaction per chunk written
    scored: dict[int, list[Scored]] = {}
    stored = 0
    for actor_ids, matches in scored_blocks(index, today):
        scored |= {int(a): [] for a in actor_ids}
        for match in matches:
            scored[int(match.actor_id)].append(match)
        if len(scored) >= SWAP_CHUNK:
            stored += _swap_in(session, scored, now, started)
    stored += _swap_in(session, scored, now, started)
    # Every row replaced: with the old statistics PostgreSQL took a call's 25 matches for
    # thousands and scanned every actor (13 ms instead of 1 ms on a call's page).
    session.commit()
    reclaim(session, Match)
    return stored


def _swap_in(
    session: Session, scored: dict[int, list[Scored]], now: datetime, started: datetime
) -> int:
    """The matches of these actors (emptied) replacing theirs in one transaction, but for the
    actors re-scored since the run `started`."""
    if not scored:
        return 0
    chunk = _not_rescored_since(session, list(scored), started)
    stored = store_matches(session, [m for a in chunk for m in scored[a]], now, actor_ids=chunk)
    session.commit()
    scored.clear()
    return stored


def _tag_if_themes_changed(session: Session, settings: Settings) -> None:
    """Every call tagged again, a chunk per transaction, when the configured themes are not
    those the calls were last tagged with: ingest tags each call it stores, so on most nights
    there is nothing to tag."""
    fingerprint = hashlib.sha256(repr(themes(settings)).encode()).hexdigest()
    state = session.get(SourceState, THEMES_STATE) or SourceState(source=THEMES_STATE)
    if state.data.get("themes") == fingerprint:
        return
    ids = list(session.exec(select(Call.id).where(UNMERGED).order_by(col(Call.id))))
    for start in range(0, len(ids), SWAP_CHUNK):
        tag_themes(session, settings, calls_by_id(session, ids[start : start + SWAP_CHUNK]))
        session.commit()
    state.data, state.updated_at = {"themes": fingerprint}, utcnow()
    session.add(state)
    session.commit()


def _not_rescored_since(session: Session, actor_ids: list[int], since: datetime) -> list[int]:
    """These actors less those whose profile, marks or matches changed after `since`."""
    newer = set(
        session.exec(
            select(Match.actor_id).where(
                among(session, Match.actor_id, actor_ids), col(Match.computed_at) > since
            )
        )
    )
    newer |= set(
        session.exec(
            select(Feedback.actor_id).where(
                among(session, Feedback.actor_id, actor_ids), col(Feedback.created_at) > since
            )
        )
    )
    newer |= set(
        session.exec(
            select(Actor.id).where(
                among(session, Actor.id, actor_ids), col(Actor.updated_at) > since
            )
        )
    )
    return [a for a in actor_ids if a not in newer]


def rescore_calls(
    session: Session, settings: Settings, call_ids: Sequence[int], today: date, now: datetime
) -> int:
    """New or changed calls (their themes tagged at ingest): their matches with every actor,
    capped per actor. A call no longer open loses its matches.
    """
    if not call_ids or not session.exec(select(Actor.id)).first():
        return 0
    index = load_index(session, settings, today)
    scored = score_calls(index, [str(i) for i in call_ids], today)
    stored = store_matches(session, scored, now, call_ids=list(call_ids))
    _cap(session, settings.matching.max_matches_per_actor)
    return stored


def _cap(session: Session, keep: int) -> int:
    """Delete each actor's matches beyond its best `keep`; the number deleted."""
    rank = (
        func.row_number()
        .over(partition_by=Match.actor_id, order_by=(col(Match.score).desc(), Match.call_id))
        .label("rank")
    )
    ranked = select(Match.id, rank).subquery()
    beyond = select(ranked.c.id).where(ranked.c.rank > keep)
    result = session.execute(delete(Match).where(col(Match.id).in_(beyond)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def rescore_actor(
    session: Session, settings: Settings, actor_id: int, today: date, now: datetime
) -> int:
    """One actor, after its profile or feedback changed, against every open call.

    The calls' index is the one kept between requests: nothing is fitted here.
    """
    calls = INDEXES.calls(session, settings, today, background=True)
    profiles, marks = _actors(session, calls, actor_id)
    if not profiles:
        raise LookupError(f"no actor {actor_id}")
    scored = score_profile(with_actors(calls, []), profiles[0], today, marks[str(actor_id)])
    return store_matches(session, scored, now, actor_ids=[actor_id])


def record_feedback(
    session: Session,
    settings: Settings,
    *,
    actor_id: int,
    call_id: int,
    verdict: str,
    reason: str | None,
    user_id: int | None,
    today: date,
    now: datetime,
) -> Feedback:
    """Store a mark on a matched call and re-score the actor so similar calls rise or fall;
    "applied" also starts the actor's application to the call (once)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    if reason is not None and reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}")
    # A reason belongs to a dismissal only: the form sends its select with every button.
    reason = (reason or DEFAULT_REASON) if verdict == "not_relevant" else None
    call = session.get(Call, call_id)
    if call is None:
        raise LookupError(f"no call {call_id}")
    mark = Feedback(
        actor_id=actor_id,
        call_id=call_id,
        user_id=user_id,
        verdict=verdict,
        reason=reason,
        call_hash=call.content_hash,
        created_at=now,
    )
    session.add(mark)
    session.flush()
    if verdict == "applied":
        start_from_match(session, actor_id, call_id, user_id=user_id, now=now)
    rescore_actor(session, settings, actor_id, today, now)
    return mark


def undo_feedback(
    session: Session, settings: Settings, actor_id: int, call_id: int, today: date, now: datetime
) -> int:
    """Take back an actor's marks on a call and re-score it; the number of marks removed."""
    query = delete(Feedback).where(Feedback.actor_id == actor_id, Feedback.call_id == call_id)
    removed = session.execute(query).rowcount  # type: ignore[attr-defined]
    session.flush()
    rescore_actor(session, settings, actor_id, today, now)
    return int(removed or 0)
