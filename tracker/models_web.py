"""Tables the web side needs: login attempts, emails (sent, pending or failed), calendar feeds,
email digest subscriptions and the calls people follow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models import EMAIL_CHARS, Call, json_column, utcnow

TOKEN_HASH_CHARS = 64  # a SHA-256 hex digest
SUBSCRIPTION_NAME_CHARS = 200  # a saved search's name

# Covering indexes for the calls page: a call's row holds its long texts inline, so filters on
# programme and status read these instead of the rows.
Index("ix_call_programme_dates", Call.programme, Call.opening_date, Call.final_deadline)
Index("ix_call_dates", Call.final_deadline, Call.opening_date)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, counted per account and address across all web workers."""

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email", "created_at"),
        Index("ix_loginattempt_ip_at", "ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_CHARS)
    ip: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class EmailLog(SQLModel, table=True):
    """One email: sent, pending (to be retried) or failed; its key makes a second send a no-op.

    A pending message keeps its template context, so the retry renders it again; the context
    (it may hold a password link) is dropped once the message is sent or has failed.
    """

    __table_args__ = (
        Index("ix_emaillog_recipient_at", "recipient", "created_at"),
        Index("ix_emaillog_ip_at", "requested_ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    recipient: str = Field(max_length=EMAIL_CHARS, index=True)
    template: str = Field(max_length=50)
    locale: str = Field(max_length=5)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10, index=True)  # pending, sent, failed
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    requested_ip: str | None = Field(default=None, max_length=64)  # who asked for it
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)


class CalendarFeed(SQLModel, table=True):
    """An iCalendar feed behind a secret URL: an actor's, a staff member's or the region's.

    Only the SHA-256 of the URL's token is kept; deleting the row revokes the URL. `user_id`
    made it (and owns a staff or region feed); the feed's texts are in `locale`.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # tracker.feeds.FEED_KINDS
    user_id: int = Field(foreign_key="user.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="actor.id", index=True)
    locale: str = Field(default="fi", max_length=5)
    token_hash: str = Field(max_length=TOKEN_HASH_CHARS, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Subscription(SQLModel, table=True):
    """Who gets an email digest of what, how often, in which language (tracker/digests.py).

    `kind` (tracker.digests.KINDS): a member's digest of their organisation's matches at or
    above `min_score`; a staff member's digest of the region; a saved search (`name` and the
    calls page's `query` string); a public subscription by `themes`, `programmes` and
    `keywords` for anyone, sent once `confirmed_at` is set (double opt-in). Only the public
    one has no user. `covered_until`: the end of the content period last sent (or, before the
    first digest, the moment the subscription started); `told`: the calls a match digest told
    of, so none is told twice. `feed_key`: named by the signed token of a saved search's Atom
    feed URL (tracker.subscriptions.feed_token); a new key revokes the URL, none turns it off.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    email: str = Field(max_length=EMAIL_CHARS, index=True)
    locale: str = Field(default="fi", max_length=5)
    frequency: str = Field(default="weekly", max_length=10)  # daily, weekly
    min_score: float | None = None
    name: str | None = Field(default=None, max_length=SUBSCRIPTION_NAME_CHARS)
    query: str | None = Field(default=None, sa_column=Column(Text))
    themes: list[str] = json_column()
    programmes: list[str] = json_column()
    keywords: list[str] = json_column()
    told: list[int] = json_column()
    confirmed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    covered_until: datetime = Field(default_factory=utcnow)
    feed_key: str | None = Field(default=None, max_length=TOKEN_HASH_CHARS)


class Follow(SQLModel, table=True):
    """A user follows a call: its changes come in their digest, its deadlines as reminders
    (tracker/follows.py). An application's team follows its call without a row here."""

    __table_args__ = (UniqueConstraint("user_id", "call_id", name="uq_follow_user_call"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
