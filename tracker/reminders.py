"""Deadline reminders (`radar remind` and the scheduler at `[reminders] send_at`).

Those who follow a call, and the team of an open application (tracker.applications), are
reminded of each deadline still to meet on a ladder of days before it (`[reminders]
days_before`, 30, 14 and 3 by default). A run reminds of the rung each deadline is on today:
the smallest at or above its days left, so a day the scheduler missed is made up and an earlier
rung is never sent after a later one. Each reminder is logged under its key of recipient, call
or application, stage, deadline day and rung ("remind:7:call:12:stage-2:2025-03-06:14"): the
day makes a moved deadline a new one to remind of; the key makes a run killed half-way and run
again send nothing twice and miss nobody. One reminder, one transaction, one email. Rendering is
the web layer's (webapp/reminder_mail.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from scrapers.record import Deadline
from tracker.applications import (
    OPEN_STAGES,
    application_call,
    deadlines_to_meet,
    team_members_clause,
)
from tracker.config import Settings
from tracker.db import session_scope
from tracker.mail_jobs import run_mail_job
from tracker.mailer import Mail, Outbox, send_rendered
from tracker.models import Application, Call, CallDeadline, JobRun, User, utcnow
from tracker.models_web import EmailLog, Follow

REMINDABLE = and_(col(User.active).is_(True), col(User.reminders).is_(True))


@dataclass(frozen=True)
class Reminder:
    """One deadline to remind one user of, on one rung of the ladder."""

    user: User
    call: Call | None
    application: Application | None  # None: a call the user follows by hand
    deadline: Deadline
    rung: int
    today: date

    @property
    def key(self) -> str:
        """The log key: recipient, call or application, stage, deadline day and rung."""
        if self.application is not None:
            target = f"application:{self.application.id}"
        else:
            target = f"call:{self.call.id if self.call else ''}"
        stage = (self.deadline.label or "deadline").replace(" ", "-")
        day = self.deadline.date.isoformat()
        return f"remind:{self.user.id}:{target}:{stage}:{day}:{self.rung}"


class ReminderWeb(Protocol):
    """What the web layer lends a reminder run: the reminder's words."""

    def render(self, reminder: Reminder) -> Mail:
        """Subject, plain text, HTML and headers, in the recipient's language."""
        ...


def rung_for(days_left: int, ladder: Sequence[int]) -> int | None:
    """The ladder's rung a deadline `days_left` away is on: the smallest at or above it; None
    before the highest rung and after the deadline."""
    if days_left < 0:
        return None
    return min((rung for rung in ladder if rung >= days_left), default=None)


def due_reminders(session: Session, settings: Settings, today: date) -> list[Reminder]:
    """The reminders due on `today` and not sent before: an application's team first, so one who
    also follows its call is reminded once, of the application."""
    ladder = settings.reminders.days_before
    until = today + timedelta(days=max(ladder))
    soon = select(CallDeadline.call_id).where(
        col(CallDeadline.deadline) >= today, col(CallDeadline.deadline) <= until
    )
    found: dict[tuple[int, str, date, str | None], Reminder] = {}

    def add(user: User, call: Call | None, application: Application | None, d: Deadline) -> None:
        rung = rung_for((d.date - today).days, ladder)
        if rung is not None:
            reminder = Reminder(user, call, application, d, rung, today)
            what = f"call:{call.id}" if call else reminder.key  # a call typed in by hand: its own
            found.setdefault((int(user.id or 0), what, d.date, d.label), reminder)

    typed = and_(col(Application.call_id).is_(None), col(Application.call_deadline) >= today)
    applications = select(Application).where(
        col(Application.stage).in_(OPEN_STAGES), or_(col(Application.call_id).in_(soon), typed)
    )
    for application in session.exec(applications.order_by(col(Application.id))):
        call = application_call(session, application)
        team = select(User).where(REMINDABLE, team_members_clause(application))
        for user in session.exec(team.order_by(col(User.id))):
            for deadline in deadlines_to_meet(application, call):
                add(user, call, application, deadline)
    follows = (
        select(User, Call)
        .join(Follow, col(Follow.user_id) == User.id)
        .join(Call, col(Call.id) == Follow.call_id)
        .where(REMINDABLE, col(Call.id).in_(soon))
        .order_by(col(Follow.id))
    )
    for user, call in session.exec(follows):
        for deadline in call.deadline_list():
            add(user, call, None, deadline)
    keys = [reminder.key for reminder in found.values()]
    sent = set(session.exec(select(EmailLog.key).where(col(EmailLog.key).in_(keys))))
    return sorted(
        (r for r in found.values() if r.key not in sent), key=lambda r: (r.deadline.date, r.key)
    )


def send_reminders(
    engine: Engine,
    settings: Settings,
    web: ReminderWeb,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> JobRun | None:
    """Send every due reminder once, recorded as a JobRun; a dry run says what it would send
    and writes nothing."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(settings.scheduler.timezone)).date()
    with Session(engine) as session:  # never committed
        due = due_reminders(session, settings, today)
        mails = [(r.user.email, r.user.locale, r.key, web.render(r)) for r in due]
    if dry_run:
        for email, _locale, key, mail in mails:
            say(f"{email} ({key}): {mail.subject}")
        return None
    sends = [partial(_send, engine, settings, *mail) for mail in mails]
    return run_mail_job(engine, settings, "remind", sends, _told)


def _send(
    engine: Engine,
    settings: Settings,
    email: str,
    locale: str,
    key: str,
    mail: Mail,
    outbox: Outbox,
) -> str | None:
    """Send one reminder in its own transaction."""
    with session_scope(engine) as session:
        return send_rendered(
            settings, email, mail, locale, session=session, key=key, kind="reminder", outbox=outbox
        )


def _told(outcomes: Counter[str | None]) -> str:
    return (
        f"reminders: {outcomes['sent']} sent, {outcomes['pending']} kept to retry, "
        f"{outcomes['failed']} refused for good"
    )
