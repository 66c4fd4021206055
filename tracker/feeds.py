"""Calendar feeds behind secret URLs: who may have one, its token, and the deadline items of
each kind of feed (an actor's applications and shortlist, the applications a staff member is
responsible for, the region's open calls)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tracker.accounts import STAFF_ROLES, new_token, token_digest
from tracker.actors import latest_marks
from tracker.application_queries import ApplicationFilter, ApplicationRow, find_applications
from tracker.applications import DECIDED
from tracker.calendars import ApplicationOf, DeadlineItem
from tracker.models import Actor, Call, Match, User
from tracker.models_web import CalendarFeed
from tracker.queries import UNMERGED, current_clause

# actor: one organisation's applications not yet decided, and the calls it shortlisted but has
# no application to; staff: the applications not yet decided that a staff member is
# responsible for; region: the open and forthcoming calls for Kanta-Häme or matched to any of
# its organisations.
FEED_KINDS = ("actor", "staff", "region")
USER_FEEDS = ("staff", "region")  # owned by one staff member, on the account page
SHORTLISTED = ("relevant", "applied")  # the marks that put a call on an organisation's list


def issue_feed(
    session: Session, kind: str, user: User, *, actor_id: int | None = None, locale: str = "fi"
) -> str:
    """A new secret token for the feed of `kind` (an actor's when `actor_id` is given), which
    replaces the owner's earlier URL of that kind; only its hash is kept."""
    revoke_feed(session, kind, user_id=user.id, actor_id=actor_id)
    token = new_token()
    assert user.id is not None
    session.add(
        CalendarFeed(
            kind=kind,
            user_id=user.id,
            actor_id=actor_id,
            locale=locale,
            token_hash=token_digest(token),
        )
    )
    return token


def find_feed(
    session: Session, kind: str, *, user_id: int | None, actor_id: int | None = None
) -> CalendarFeed | None:
    """The feed of `kind` that an actor (for `actor`) or a user (otherwise) has, if any."""
    return session.exec(_owned(kind, user_id, actor_id)).first()


def revoke_feed(
    session: Session, kind: str, *, user_id: int | None, actor_id: int | None = None
) -> bool:
    """Delete the owner's feed of `kind`: its URL answers 404 from now on."""
    found = find_feed(session, kind, user_id=user_id, actor_id=actor_id)
    if found is not None:
        session.delete(found)
        session.flush()  # before a new feed of the same owner is added
    return found is not None


def _owned(kind: str, user_id: int | None, actor_id: int | None) -> Any:
    query = select(CalendarFeed).where(CalendarFeed.kind == kind)
    if kind == "actor":  # the organisation's, whoever of its people made it
        return query.where(CalendarFeed.actor_id == actor_id)
    return query.where(CalendarFeed.user_id == user_id)


def feed_for_token(session: Session, token: str) -> CalendarFeed | None:
    """The feed of a URL's token while its maker may still see what it shows: an active user
    who is staff, or a member of the feed's actor."""
    digest = token_digest(token)
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == digest)).first()
    user = session.get(User, feed.user_id) if feed is not None else None
    if feed is None or user is None or not user.active:
        return None
    if user.role in STAFF_ROLES or (feed.kind == "actor" and user.actor_id == feed.actor_id):
        return feed
    return None


def feed_key(feed: CalendarFeed) -> str:
    """The feed's part of its events' UIDs: its owner's, so a new URL keeps the events'."""
    return f"actor-{feed.actor_id}" if feed.kind == "actor" else f"{feed.kind}-{feed.user_id}"


def feed_items(session: Session, feed: CalendarFeed, today: date) -> list[DeadlineItem]:
    """The deadline items the feed shows on `today`."""
    if feed.kind == "region":
        return region_items(session, today)
    if feed.kind == "staff":
        return application_items(
            find_applications(session, ApplicationFilter(staff_id=feed.user_id))
        )
    assert feed.actor_id is not None  # an actor's feed
    return actor_items(session, feed.actor_id)


def actor_items(session: Session, actor_id: int) -> list[DeadlineItem]:
    """The actor's applications not yet decided, then the calls it marked relevant or applied
    that it has no application to (an application, even a no-go, supersedes the mark)."""
    rows = find_applications(session, ApplicationFilter(actor_id=actor_id))
    applied = {row.call.id for row in rows if row.call is not None}
    shortlist = [
        item for item in shortlisted_items(session, actor_id) if item.call_id not in applied
    ]
    return application_items(rows) + shortlist


def application_items(rows: list[ApplicationRow]) -> list[DeadlineItem]:
    """An item for each application not yet decided: its call's deadlines, or the typed one."""
    return [
        DeadlineItem(
            key=f"application-{row.application.id}",
            title=row.title,
            deadlines=tuple(row.deadlines),
            call_id=row.call.id if row.call else None,
            application=ApplicationOf(
                int(row.application.id or 0), row.actor.name, row.application.stage
            ),
        )
        for row in rows
        if row.application.stage not in DECIDED
    ]


def shortlisted_items(session: Session, actor_id: int) -> list[DeadlineItem]:
    """The calls the actor marked relevant or applied, with its mark."""
    marks = {
        m.call_id: m.verdict for m in latest_marks(session, actor_id) if m.verdict in SHORTLISTED
    }
    names = _actor_names(session, {actor_id})
    calls = _calls(session, col(Call.id).in_(list(marks)))
    return [_item(call, [(names[actor_id], marks[call.id])]) for call in calls]


def region_items(session: Session, today: date) -> list[DeadlineItem]:
    """Open and forthcoming calls marked for Kanta-Häme or matched to any of its actors."""
    matched = select(Match.call_id, Match.actor_id)
    calls = _calls(
        session,
        current_clause(today),
        or_(col(Call.regional), col(Call.id).in_(select(Match.call_id))),
    )
    actors: dict[int, list[int]] = defaultdict(list)
    for call_id, actor_id in session.exec(
        matched.where(col(Match.call_id).in_([c.id for c in calls]))
    ):
        actors[call_id].append(actor_id)
    names = _actor_names(session, {a for ids in actors.values() for a in ids})
    return [
        _item(call, [(name, None) for name in sorted(names[a] for a in actors[call.id])])
        for call in calls
    ]


def _calls(session: Session, *conditions: object) -> list[Call]:
    query = select(Call).where(UNMERGED, *conditions)
    return list(session.exec(query.order_by(col(Call.final_deadline), col(Call.id))))


def _actor_names(session: Session, actor_ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(Actor.id, Actor.name).where(col(Actor.id).in_(list(actor_ids))))
    return {actor_id: name for actor_id, name in rows}


def _item(call: Call, followers: list[tuple[str, str | None]]) -> DeadlineItem:
    return DeadlineItem(
        key=f"call-{call.id}",
        title=call.title,
        deadlines=tuple(call.deadline_list()),
        call_id=call.id,
        followers=tuple(followers),
    )
