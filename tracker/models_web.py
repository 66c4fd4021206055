"""Tables the web side needs: login attempts and sent emails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from tracker.models import EMAIL_CHARS, Call, utcnow

# Covering indexes for the calls page: a call's row holds its long texts inline, so filters on
# programme and status read these instead of the rows.
Index("ix_call_programme_dates", Call.programme, Call.opening_date, Call.final_deadline)
Index("ix_call_dates", Call.final_deadline, Call.opening_date)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, counted per email and per client address across all web workers."""

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email", "created_at"),
        Index("ix_loginattempt_ip_at", "ip", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_CHARS)
    ip: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class EmailLog(SQLModel, table=True):
    """One email sent; its key makes sending the same message twice a no-op."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    recipient: str = Field(max_length=EMAIL_CHARS, index=True)
    template: str = Field(max_length=50)
    locale: str = Field(max_length=5)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    sent_at: datetime = Field(default_factory=utcnow, index=True)
