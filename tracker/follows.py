"""Following calls: who follows which call, by hand or as an application's team.

A user follows a call from its page or its match. An application is followed by its team
(tracker.applications.team_clause: its responsible staff member and the members of the
applicant organisation) while it is open, without a row here. What a follower gets: the call's
changes in their digest (tracker/digests.py) and deadline reminders (tracker/reminders.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from tracker.applications import OPEN_STAGES, team_clause
from tracker.models import Application, Call, User
from tracker.models_web import Follow


def follow(session: Session, user_id: int, call_id: int, now: datetime) -> None:
    """The user follows the call by hand: once, however often asked, two requests at once too
    (the second waits for the first and adds nothing)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    row = {"user_id": user_id, "call_id": call_id, "created_at": now}
    added = dialect.insert(Follow).values(**row)
    session.exec(added.on_conflict_do_nothing(index_elements=["user_id", "call_id"]))


def unfollow(session: Session, user_id: int, call_id: int) -> None:
    """Stop following a call by hand (an application's team keeps following its call)."""
    session.exec(
        delete(Follow).where(col(Follow.user_id) == user_id, col(Follow.call_id) == call_id)
    )


def follows_of(session: Session, user_id: int, call_ids: list[int]) -> set[int]:
    """Which of these calls the user follows by hand."""
    query = select(Follow.call_id).where(
        Follow.user_id == user_id, col(Follow.call_id).in_(call_ids)
    )
    return set(session.exec(query))


def followed_calls(session: Session, user_id: int) -> list[Call]:
    """The calls a user follows by hand, newest follow first."""
    query = (
        select(Call)
        .join(Follow, col(Follow.call_id) == Call.id)
        .where(Follow.user_id == user_id)
        .order_by(col(Follow.created_at).desc(), col(Follow.id).desc())
    )
    return list(session.exec(query))


def team_applications(session: Session, user: User) -> list[Application]:
    """The open applications whose team `user` is on, newest first."""
    query = (
        select(Application)
        .where(team_clause(user), col(Application.stage).in_(OPEN_STAGES))
        .order_by(col(Application.id).desc())
    )
    return list(session.exec(query))


def followed_call_ids(session: Session, user: User) -> set[int]:
    """Every call `user` follows: by hand, or as the team of an open application to it."""
    by_hand = select(Follow.call_id).where(Follow.user_id == user.id)
    of_team = select(Application.call_id).where(
        team_clause(user),
        col(Application.stage).in_(OPEN_STAGES),
        col(Application.call_id).is_not(None),
    )
    return {int(i) for i in session.exec(by_hand)} | {int(i) for i in session.exec(of_team) if i}


def move_follows(session: Session, merged: int, kept: int) -> None:
    """The followers of a call merged into another follow the kept one (once each)."""
    both = select(Follow.user_id).where(Follow.call_id == kept)
    session.exec(delete(Follow).where(col(Follow.call_id) == merged, col(Follow.user_id).in_(both)))
    for follow_row in session.exec(select(Follow).where(Follow.call_id == merged)):
        follow_row.call_id = kept
        session.add(follow_row)
