"""What an email digest tells: which subscriptions are due, and what is new to each since the
end of the content period it last covered.

A digest covers the time from its subscription's `covered_until` to the last send time
(`[digests] send_at`, daily or on `weekly_on`, in the scheduler's time zone), so a run at any
later moment, or again after a crash, finds the same period and the same key
("digest:17:2026-11-30", "digest:17:2026-W49"). Rendering is the web layer's
(webapp/digest_mail.py); sending, one transaction per message, is tracker/digest_run.py.

The changes of the calls a user follows (tracker/follows.py) come in their own digest when it
is on, else in their alerts digest (kind "follows"), which sends nothing while an own digest is
on, so each change is told once and none is lost when the own digest ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from scrapers.record import Deadline
from tracker.accounts import STAFF_ROLES
from tracker.changes import worth_telling
from tracker.config import WEEKDAYS, Settings, clock
from tracker.follows import followed_call_ids
from tracker.models import (
    Actor,
    Application,
    ApplicationEvent,
    Call,
    CallDeadline,
    ChangeEvent,
    Match,
    User,
)
from tracker.models_web import Subscription
from tracker.queries import UNMERGED
from tracker.search import CURRENT, LISTED, CallQuery, found_ids

# A user's own digest (one at most): a member's of their organisation's matches, a staff
# member's of the region; the alerts digest of the calls they follow.
OWN_DIGESTS = ("member_digest", "staff_digest")
SAVED_SEARCH, PUBLIC, FOLLOWS = "saved_search", "public", "follows"
KINDS = (*OWN_DIGESTS, SAVED_SEARCH, PUBLIC, FOLLOWS)
FREQUENCIES = ("daily", "weekly")
MAX_LISTED = 30  # calls, matches or changes one digest lists; the rest are counted
DEADLINES_AHEAD = timedelta(days=7)  # a staff digest tells each deadline once, a week ahead
LISTED_ONLY = load_only(*(getattr(Call, name) for name in LISTED))  # what a digest tells of a call
# The calls page's search for the words of a saved search, with the subscriber's organisation,
# and the filters it no longer understands, named with their reasons ("" when none).
Search = Callable[[str, Actor | None], tuple[CallQuery, str]]


@dataclass
class Moved:
    """An application that moved to another stage within the period."""

    application_id: int
    actor: str
    title: str
    old: str
    new: str


@dataclass
class Digest:
    """One subscription's content for one period; `told` is what its match digests told so far."""

    subscription: Subscription
    start: datetime
    end: datetime
    key: str
    actor: Actor | None = None
    matches: list[tuple[Match, Call]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    more_calls: int = 0  # new calls beyond those listed
    changes: list[tuple[Call, list[ChangeEvent]]] = field(default_factory=list)
    followed: list[tuple[Call, list[ChangeEvent]]] = field(default_factory=list)  # their changes
    deadlines: list[tuple[Call, Deadline]] = field(default_factory=list)
    moves: list[Moved] = field(default_factory=list)
    told: list[int] = field(default_factory=list)
    refused: str = ""  # a saved search's filters no longer understood: it lists nothing

    def is_empty(self) -> bool:
        news = (
            self.matches,
            self.calls,
            self.changes,
            self.followed,
            self.deadlines,
            self.moves,
            self.refused,
        )
        return not any(news)


def period_end(settings: Settings, frequency: str, now: datetime) -> datetime:
    """The last send time at or before `now` (UTC) for a daily or weekly digest."""
    zone = ZoneInfo(settings.scheduler.timezone)
    local = now.astimezone(zone)
    day, step = local.date(), timedelta(days=1)
    if frequency == "weekly":
        day -= timedelta(days=(day.weekday() - WEEKDAYS.index(settings.digests.weekly_on)) % 7)
        step = timedelta(days=7)
    end = datetime.combine(day, clock(settings.digests.send_at), zone)
    if end > local:
        end -= step  # wall-clock arithmetic: 07:00 stays 07:00 across a change of summer time
    return end.astimezone(UTC)


def digest_key(subscription: Subscription, end: datetime, settings: Settings) -> str:
    """The log key of a subscription's message for the period ending at `end`."""
    local = end.astimezone(ZoneInfo(settings.scheduler.timezone)).date()
    if subscription.frequency == "weekly":
        year, week, _ = local.isocalendar()
        return f"digest:{subscription.id}:{year}-W{week:02d}"
    return f"digest:{subscription.id}:{local.isoformat()}"


def due_subscriptions(session: Session, settings: Settings, now: datetime) -> list[int]:
    """The subscriptions with a period ended since their last digest; a public one only once
    its subscriber confirmed."""
    ends = [
        and_(
            col(Subscription.frequency) == frequency,
            col(Subscription.covered_until) < period_end(settings, frequency, now),
        )
        for frequency in FREQUENCIES
    ]
    confirmed = or_(col(Subscription.kind) != PUBLIC, col(Subscription.confirmed_at).is_not(None))
    query = select(Subscription.id).where(or_(*ends), confirmed).order_by(col(Subscription.id))
    return [sub_id for sub_id in session.exec(query) if sub_id is not None]


def build_digest(
    session: Session, settings: Settings, subscription: Subscription, now: datetime, search: Search
) -> Digest:
    """What is new to `subscription` in its period ending before `now`; empty when its owner
    may no longer read it (deactivated, or no longer a member or staff)."""
    end = period_end(settings, subscription.frequency, now)
    digest = Digest(
        subscription,
        subscription.covered_until,
        end,
        digest_key(subscription, end, settings),
        told=list(subscription.told),
    )
    day = end.astimezone(ZoneInfo(settings.scheduler.timezone)).date()
    if subscription.kind == PUBLIC:
        _listed(digest, *_new_calls(session, settings, digest, day, public_queries(subscription)))
        return digest
    user = session.get(User, subscription.user_id) if subscription.user_id else None
    if user is None or not user.active:
        return digest
    if subscription.kind in OWN_DIGESTS or (
        subscription.kind == FOLLOWS and own_digest(session, user) is None
    ):
        followed = col(Call.id).in_(followed_call_ids(session, user))
        digest.followed = _changes(session, digest, followed)
    if subscription.kind == "member_digest" and user.actor_id:
        _matches(session, digest, user.actor_id)
    elif subscription.kind == "staff_digest" and user.role in STAFF_ROLES:
        _region(session, settings, digest, day)
    elif subscription.kind == SAVED_SEARCH:
        actor = session.get(Actor, user.actor_id) if user.actor_id else None
        query, digest.refused = search(subscription.query or "", actor)
        if not digest.refused:
            _listed(digest, *_new_calls(session, settings, digest, day, [query]))
    return digest


def own_digest(session: Session, user: User) -> Subscription | None:
    """The user's own digest (of their organisation or of the region), if on."""
    query = select(Subscription).where(
        Subscription.user_id == user.id, col(Subscription.kind).in_(OWN_DIGESTS)
    )
    return session.exec(query).first()


def matches_above(session: Session, actor_id: int, min_score: float | None) -> list[int]:
    """The calls of an organisation's stored matches at or above `min_score`, best first."""
    query = (
        select(Match.call_id)
        .where(Match.actor_id == actor_id, col(Match.score) >= (min_score or 0))
        .order_by(col(Match.score).desc(), col(Match.call_id))
    )
    return list(session.exec(query))


def _matches(session: Session, digest: Digest, actor_id: int) -> None:
    """Matches the digest has not told of; the matches of now are what it has told after it."""
    digest.actor = session.get(Actor, actor_id)
    found = matches_above(session, actor_id, digest.subscription.min_score)
    told = set(digest.told)
    new = [call_id for call_id in found if call_id not in told][:MAX_LISTED]
    query = (
        select(Match, Call)
        .join(Call, col(Call.id) == Match.call_id)
        .where(Match.actor_id == actor_id, col(Match.call_id).in_(new))
        .options(LISTED_ONLY)
    )
    loaded = {match.call_id: (match, call) for match, call in session.exec(query)}
    digest.matches = [loaded[call_id] for call_id in new]
    digest.told = found


def public_queries(subscription: Subscription) -> list[CallQuery]:
    """The calls page's searches of a public subscription: one per theme, programme and
    keyword, among the calls one can still apply to."""
    return [
        *(CallQuery(status=CURRENT, theme=theme) for theme in subscription.themes),
        *(CallQuery(status=CURRENT, programme=name) for name in subscription.programmes),
        *(CallQuery(status=CURRENT, text=words) for words in subscription.keywords),
    ]


def _new_calls(
    session: Session, settings: Settings, digest: Digest, day: date, queries: list[CallQuery]
) -> tuple[list[Call], int]:
    """The calls that any of `queries` finds among those first seen within the period, by
    next deadline: the first MAX_LISTED, and how many there are."""
    min_days = settings.matching.min_days_to_prepare
    found: dict[int, date | None] = {}
    for query in queries:
        query.seen_between = (digest.start, digest.end)
        found.update(found_ids(session, query, day, min_days))
    soonest = sorted(found, key=lambda call_id: (found[call_id] or date.max, call_id))
    return _calls(session, soonest[:MAX_LISTED]), len(soonest)


def _calls(session: Session, ids: list[int]) -> list[Call]:
    """The calls of `ids` in that order, loaded with what a digest tells of them."""
    query = select(Call).where(col(Call.id).in_(ids)).options(LISTED_ONLY)
    loaded = {call.id: call for call in session.exec(query)}
    return [loaded[call_id] for call_id in ids]


def _listed(digest: Digest, calls: list[Call], total: int) -> None:
    digest.calls, digest.more_calls = calls[:MAX_LISTED], max(0, total - MAX_LISTED)


def region_clause() -> Any:
    """SQL: calls for Kanta-Häme or matched to any of its organisations (the region's calls)."""
    return or_(col(Call.regional), col(Call.id).in_(select(Match.call_id)))


def _region(session: Session, settings: Settings, digest: Digest, day: date) -> None:
    """The region's new calls, changed calls, deadlines coming within a week, and the
    applications that moved, within the period."""
    start, end = digest.start, digest.end
    new = and_(UNMERGED, region_clause(), col(Call.first_seen) > start, col(Call.first_seen) <= end)
    first = select(Call).where(new).order_by(col(Call.first_seen), col(Call.id))
    total = session.exec(select(func.count()).select_from(Call).where(new)).one()
    _listed(digest, list(session.exec(first.limit(MAX_LISTED).options(LISTED_ONLY))), total)
    told = {int(call.id or 0) for call, _events in digest.followed}
    known = and_(region_clause(), col(Call.first_seen) <= start, col(Call.id).not_in(told))
    digest.changes = _changes(session, digest, known)
    digest.deadlines = _deadlines(session, settings, digest, day)
    digest.moves = _moves(session, start, end)


def _changes(session: Session, digest: Digest, calls: Any) -> list[tuple[Call, list[ChangeEvent]]]:
    """The calls of the SQL clause `calls` that changed within the period, with their changes."""
    query = (
        select(ChangeEvent, Call)
        .join(Call, col(Call.id) == ChangeEvent.call_id)
        .where(UNMERGED, calls)
        .where(
            col(ChangeEvent.created_at) > digest.start, col(ChangeEvent.created_at) <= digest.end
        )
        .order_by(col(ChangeEvent.call_id), col(ChangeEvent.created_at), col(ChangeEvent.id))
        .options(LISTED_ONLY)
    )
    changed: dict[int, tuple[Call, list[ChangeEvent]]] = {}
    for event, call in session.exec(query):
        if worth_telling(event.field_name, event.old_value):
            changed.setdefault(event.call_id, (call, []))[1].append(event)
    return list(changed.values())[:MAX_LISTED]


def _deadlines(
    session: Session, settings: Settings, digest: Digest, day: date
) -> list[tuple[Call, Deadline]]:
    """The region's deadlines that came within a week of the digest in its period: each is
    told once, in the first digest sent less than a week before it."""
    first = digest.start.astimezone(ZoneInfo(settings.scheduler.timezone)).date()
    window = (first + DEADLINES_AHEAD, day + DEADLINES_AHEAD)
    soon = (
        select(CallDeadline.deadline, CallDeadline.call_id)
        .distinct()
        .join(Call, col(Call.id) == CallDeadline.call_id)
        .where(UNMERGED, region_clause())
        .where(col(CallDeadline.deadline) > window[0], col(CallDeadline.deadline) <= window[1])
        .order_by(col(CallDeadline.deadline), col(CallDeadline.call_id))
        .limit(MAX_LISTED)
    )
    pairs = session.exec(soon).all()
    calls = {call.id: call for call in _calls(session, list({call_id for _d, call_id in pairs}))}
    found = [
        (calls[call_id], deadline)
        for deadline_day, call_id in pairs
        for deadline in calls[call_id].deadline_list()
        if deadline.date == deadline_day
    ]
    return found[:MAX_LISTED]


def _moves(session: Session, start: datetime, end: datetime) -> list[Moved]:
    """Applications that moved from one stage to another within the period, oldest first."""
    query = (
        select(ApplicationEvent, Application, Actor, Call)
        .join(Application, col(Application.id) == ApplicationEvent.application_id)
        .join(Actor, col(Actor.id) == Application.actor_id)
        .outerjoin(Call, col(Call.id) == Application.call_id)
        .where(ApplicationEvent.kind == "stage")
        .where(col(ApplicationEvent.created_at) > start, col(ApplicationEvent.created_at) <= end)
        .order_by(col(ApplicationEvent.created_at), col(ApplicationEvent.id))
    )
    return [
        Moved(
            int(application.id or 0),
            actor.name,
            call.title if call else application.call_title or "",
            str(event.old_value),
            str(event.new_value),
        )
        for event, application, actor, call in session.exec(query)
    ][:MAX_LISTED]
