"""Stored calls and actors handed to the matcher; its matches and theme tags stored back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from matcher.calls import CallInput, normalise_topic_id
from matcher.engine import Match as Scored
from matcher.engine import score_all, score_call, score_profile
from matcher.feedback import DEFAULT_REASON, REASONS
from matcher.feedback import Feedback as Mark
from matcher.index import MatchIndex, build_index
from matcher.profile import Contact, IndustryCode, PastProject, Profile
from matcher.settings import MatchSettings
from matcher.themes import Theme
from tracker.actors import latest_marks
from tracker.config import Settings
from tracker.models import Actor, ActorProject, Call, CallTheme, Feedback, Match
from tracker.queries import status_clause

VERDICTS = ("relevant", "not_relevant", "applied")


def call_input(call: Call) -> CallInput:
    """The matcher's view of a stored call."""
    eligibility = call.eligibility or {}
    return CallInput(
        id=str(call.id),
        identifier=call.identifier,
        title=call.title,
        description=call.description_text or "",
        keywords=tuple(call.keywords) + tuple(call.tags),
        programme=call.programme or "",
        programme_part=call.programme_part or "",
        call_title=call.call_title or "",
        type_of_action=call.type_of_action or "",
        opening_date=call.opening_date,
        deadlines=tuple(d.date for d in call.deadline_list()),
        budget_min_eur=call.budget_min_grant_eur or _per_grant(call),
        budget_max_eur=call.budget_max_grant_eur or _per_grant(call),
        budget_total_eur=call.budget_total_eur,
        funding_rate=eligibility.get("funding_rate_max"),
        countries=tuple(eligibility.get("countries", ())),
        regions=tuple(eligibility.get("regions", ())),
        organisation_types=tuple(eligibility.get("organisation_types", ())),
        content_hash=call.content_hash,
    )


def _per_grant(call: Call) -> int | None:
    """The grant size when a source gives only the total and the number of grants."""
    if call.budget_total_eur and call.expected_grants:
        return call.budget_total_eur // call.expected_grants
    return None


def profile(actor: Actor, projects: Sequence[ActorProject]) -> Profile:
    """The matcher's view of a stored actor and its past projects."""
    return Profile(
        id=str(actor.id),
        name=actor.name,
        org_type=actor.organisation_type,
        business_id=actor.business_id or "",
        pic=actor.pic,
        municipality=actor.municipality or "other",
        nuts3=actor.nuts3 or "",
        country=actor.country,
        industry_codes=tuple(
            IndustryCode(c["code"], c.get("version", "TOL2008")) for c in actor.industry_codes
        ),
        themes=tuple(actor.themes),
        keywords=tuple(actor.keywords),
        description=actor.description or "",
        programmes=tuple(actor.programmes),
        preferred_role=actor.preferred_role,  # type: ignore[arg-type]
        budget_min_eur=actor.budget_min_eur,
        budget_max_eur=actor.budget_max_eur,
        cofinancing_eur=actor.cofinancing_eur,
        contacts=tuple(Contact(**c) for c in actor.contacts),
        past_projects=tuple(
            PastProject(
                topic_id=normalise_topic_id(p.topic_id or ""),
                programme_part=p.programme_part or "",
                acronym=p.acronym or "",
                title=p.title or "",
                role=p.role or "participant",
                year=p.call_year,
            )
            for p in projects
        ),
    )


def themes(settings: Settings) -> list[Theme]:
    """The Smart Häme themes of the configuration."""
    return [
        Theme(t.name, t.label_fi, t.label_en, tuple(t.keywords_fi), tuple(t.keywords_en))
        for t in settings.matching.themes
    ]


def match_settings(settings: Settings) -> MatchSettings:
    """The matcher's settings from the [matching] table; weights keep their tuned defaults."""
    config = settings.matching
    return MatchSettings(
        min_days_to_prepare=config.min_days_to_prepare,
        min_score=config.min_score,
        max_matches_per_actor=config.max_matches_per_actor,
    )


def load_index(session: Session, settings: Settings, today: date) -> MatchIndex:
    """Every open or forthcoming call and every actor, with the actors' feedback."""
    live = or_(status_clause("open", today), status_clause("forthcoming", today))
    stored = session.exec(select(Call).where(col(Call.merged_into_id).is_(None), live)).all()
    calls = {call.id: call_input(call) for call in stored}
    projects: dict[int, list[ActorProject]] = defaultdict(list)
    for project in session.exec(select(ActorProject)):
        projects[project.actor_id].append(project)
    profiles = [profile(actor, projects[actor.id]) for actor in session.exec(select(Actor))]
    return build_index(
        list(calls.values()),
        profiles,
        themes=themes(settings),
        settings=match_settings(settings),
        feedback=_marks(session, calls),
    )


def _marks(session: Session, calls: dict[int | None, CallInput]) -> dict[str, list[Mark]]:
    """Each actor's latest mark per call; a closed call's mark keeps teaching."""
    latest = latest_marks(session)
    missing = {row.call_id for row in latest} - set(calls)
    if missing:
        closed = session.exec(select(Call).where(col(Call.id).in_(missing))).all()
        calls = {**calls, **{call.id: call_input(call) for call in closed}}
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
        query = query.where(col(Match.actor_id).in_(actor_ids))
    if call_ids is not None:
        query = query.where(col(Match.call_id).in_(call_ids))
    session.exec(query)
    rows = [
        Match(
            actor_id=int(m.actor_id),
            call_id=int(m.call_id),
            score=round(m.score, 2),
            components={k: round(v, 4) for k, v in m.components.items()},
            evidence=m.evidence.to_json(),
            call_hash=m.content_hash,
            computed_at=now,
        )
        for m in scored
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def tag_themes(session: Session, index: MatchIndex, call_ids: Sequence[int] | None = None) -> int:
    """Tag the calls (all in the index, or these) with the Smart Häme themes they serve, and why."""
    wanted = None if call_ids is None else set(call_ids)
    facts = [f for f in index.calls if wanted is None or int(f.call.id) in wanted]
    query = delete(CallTheme)
    if call_ids is not None:
        query = query.where(col(CallTheme.call_id).in_(call_ids))
    session.exec(query)
    rows = [
        CallTheme(
            call_id=int(f.call.id),
            theme=tag.theme,
            score=round(tag.score, 3),
            reason={"keywords": list(tag.keywords)},
        )
        for f in facts
        for tag in f.tags
    ]
    session.add_all(rows)
    return len(rows)


def rescore_all(session: Session, settings: Settings, today: date, now: datetime) -> int:
    """Every actor against every open or forthcoming call (`radar match`)."""
    index = load_index(session, settings, today)
    tag_themes(session, index)
    return store_matches(session, score_all(index, today), now)


def rescore_calls(
    session: Session, settings: Settings, call_ids: Sequence[int], today: date, now: datetime
) -> int:
    """New or changed calls against every actor; a call no longer open loses its matches."""
    if not call_ids or not session.exec(select(Actor.id)).first():
        return 0
    index = load_index(session, settings, today)
    scored = [
        m
        for call_id in call_ids
        if (row := index.call_pos.get(str(call_id))) is not None
        for m in score_call(index, index.calls[row].call, today)
    ]
    tag_themes(session, index, call_ids)
    return store_matches(session, scored, now, call_ids=list(call_ids))


def rescore_actor(
    session: Session, settings: Settings, actor_id: int, today: date, now: datetime
) -> int:
    """One actor, after its profile or feedback changed, against every open call."""
    actor = session.get(Actor, actor_id)
    if actor is None:
        raise LookupError(f"no actor {actor_id}")
    projects = session.exec(select(ActorProject).where(ActorProject.actor_id == actor_id)).all()
    index = load_index(session, settings, today)
    calls = {int(f.call.id): f.call for f in index.calls}
    marks = _marks(session, calls).get(str(actor_id), [])
    scored = score_profile(index, profile(actor, projects), today, marks)
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
    """Store a mark on a matched call and re-score the actor so similar calls rise or fall."""
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
