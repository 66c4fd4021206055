"""Sending the digests that are due (`radar digest` and the scheduler).

Each subscription is its own transaction: its message is logged (tracker/mailer.py) and its
period marked covered in one commit, so a run killed half-way and run again sends nothing twice
and misses nobody. A message the server does not take now stays pending for the mail retry.
The messages of a run go over one connection to the mail server (tracker.mailer.Outbox).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.config import Settings
from tracker.db import session_scope
from tracker.digests import Digest, build_digest, due_subscriptions, period_end
from tracker.mail_jobs import run_mail_job
from tracker.mailer import Mail, Outbox, send_rendered
from tracker.models import Actor, JobRun, utcnow
from tracker.models_web import Subscription
from tracker.search import CallQuery

NOTHING = "nothing new"


class DigestWeb(Protocol):
    """What the web layer lends a digest run: the calls page's search and the digest's words."""

    def search(self, query: str, actor: Actor | None) -> tuple[CallQuery, str]:
        """The calls page's search of a saved search's query string and the filters it no
        longer understands (tracker.digests.Search)."""
        ...

    def render(self, digest: Digest) -> Mail:
        """Subject, plain text, HTML and headers of a digest, in its subscriber's language."""
        ...


def send_digests(
    engine: Engine,
    settings: Settings,
    web: DigestWeb,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> JobRun | None:
    """Send every due digest once, recorded as a JobRun; a dry run says per subscriber what it
    would send and writes nothing."""
    now = now or utcnow()
    with Session(engine) as session:
        due = due_subscriptions(session, settings, now)
    if dry_run:
        for sub_id in due:
            _dry_run(engine, settings, web, sub_id, now, say)
        return None
    sends = [partial(_send, engine, settings, web, sub_id=sub_id, now=now) for sub_id in due]
    return run_mail_job(engine, settings, "digest", sends, _told)


def _told(outcomes: Counter[str | None]) -> str:
    return (
        f"digests: {outcomes['sent']} sent, {outcomes[NOTHING]} with nothing new, "
        f"{outcomes['pending']} kept to retry, {outcomes['failed']} refused for good"
    )


def _send(
    engine: Engine,
    settings: Settings,
    web: DigestWeb,
    outbox: Outbox,
    *,
    sub_id: int,
    now: datetime,
) -> str:
    """Send one subscription's digest and mark its period covered, in one transaction."""
    with session_scope(engine) as session:
        subscription = _still_due(session, settings, sub_id, now)
        if subscription is None:
            return "done by another run"
        digest = build_digest(session, settings, subscription, now, web.search)
        status = None
        if not digest.is_empty():
            mail = web.render(digest)
            status = send_rendered(
                settings,
                subscription.email,
                mail,
                subscription.locale,
                session=session,
                key=digest.key,
                kind="digest",
                outbox=outbox,
            )
        subscription.covered_until, subscription.told = digest.end, digest.told
        session.add(subscription)
        return status or NOTHING


def _dry_run(
    engine: Engine,
    settings: Settings,
    web: DigestWeb,
    sub_id: int,
    now: datetime,
    say: Callable[[str], None],
) -> None:
    with Session(engine) as session:  # never committed
        subscription = _still_due(session, settings, sub_id, now)
        if subscription is None:
            return
        digest = build_digest(session, settings, subscription, now, web.search)
        what = NOTHING if digest.is_empty() else web.render(digest).subject
        say(f"{subscription.email} ({subscription.kind} {sub_id}, {digest.key}): {what}")
        session.rollback()


def _still_due(
    session: Session, settings: Settings, sub_id: int, now: datetime
) -> Subscription | None:
    subscription = session.get(Subscription, sub_id)
    if subscription is None:  # unsubscribed since the run began
        return None
    end = period_end(settings, subscription.frequency, now)
    return subscription if subscription.covered_until < end else None
