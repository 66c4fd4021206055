"""Web fixtures: real calls from the recorded responses, users of each role, signing in."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from callrules.deadlines import PREPARATION_DAYS
from matcher.explain import Evidence
from tests.conftest import SHARED
from tests.live import free_port
from tests.tracker.helpers import bulk_records, sedia_records
from tracker.accounts import create_user
from tracker.applications import move, start_from_match, update_application
from tracker.config import load_settings
from tracker.db import make_engine
from tracker.demo import load_recordings
from tracker.digests import period_end
from tracker.ingest import ingest
from tracker.mailer import send_email
from tracker.matching import record_feedback, rescore_actor, rescore_all
from tracker.models import Actor, Call, CallSource, ChangeEvent, Match, User, utcnow
from tracker.subscriptions import confirm, start_following, subscribe_public, subscribe_user

PASSWORD = "correct horse battery"
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def service_today() -> date:
    """Today as the service counts days (Helsinki), not the machine's date: between 22:00 and
    midnight UTC the two differ, and so would days left and deadlines."""
    return load_settings().today()


def csrf(client, url: str = "/login") -> str:
    """The CSRF token of a page's form, as a browser would send it back."""
    page = client.get(url).get_data(as_text=True)
    found = TOKEN.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf(client)}
    )


def post_verdict(client, actor_id: int, call_id: int, verdict: str, token: str):
    """Triage a matched call as the page's form does without htmx."""
    return client.post(
        f"/actors/{actor_id}/matches/{call_id}/feedback",
        data={"verdict": verdict, "csrf_token": token},
    )


def store_calls(session) -> dict[str, Call]:
    """The real recorded F&T records, ingested as a scrape would, by identifier."""
    records = sedia_records() + bulk_records()
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=service_today(), now=utcnow())
    calls = {call.identifier: call for call in session.exec(select(Call))}
    session.commit()
    return calls


@pytest.fixture
def calls(session):
    return store_calls(session)


@pytest.fixture
def people(session):
    """Two actors, a member of each, a staff member and an admin."""
    hame = Actor(
        name="Hämeen Kone Oy",
        business_id="0112038-9",
        municipality="Hämeenlinna",
        organisation_type="small",
        keywords=["internships", "digital skills", "semiconductors", "scholarship"],
        description="Digital skills, chips and internships for students.",
    )
    forssa = Actor(name="Forssan Ruoka ry", organisation_type="ngo", municipality="Forssa")
    session.add_all([hame, forssa])
    session.flush()
    users = {
        "member": create_user(
            session, "member@kone.example", "member", actor_id=hame.id, password=PASSWORD
        ),
        "other": create_user(
            session, "other@ruoka.example", "member", actor_id=forssa.id, password=PASSWORD
        ),
        "staff": create_user(session, "staff@hameenliitto.example", "staff", password=PASSWORD),
        "admin": create_user(session, "admin@hameenliitto.example", "admin", password=PASSWORD),
    }
    session.commit()
    return {"actor": hame, "other_actor": forssa, **users}


def rescore(session, settings, actor: Actor) -> list[Match]:
    """The matcher's real matches of an actor, best first."""
    rescore_actor(session, settings, actor.id, settings.today(), utcnow())
    session.commit()
    query = select(Match).where(Match.actor_id == actor.id).order_by(Match.score.desc())
    return list(session.exec(query))


@pytest.fixture
def signed_in_with_matches(client, session, settings, people, calls):
    """The member signed in; its organisation's real matches; the best-scored call."""
    before = {m.call_id: m.score for m in rescore(session, settings, people["actor"])}
    sign_in(client, "member@kone.example")
    return people["actor"].id, before, max(before, key=before.get)


def add_matches(session, actor: Actor, calls: list[Call]) -> list[Match]:
    """Matches in the order given, stored as the matcher stores them (scores and shares of the
    score set here, the deadline the call's own), best first."""
    matches = [
        Match(
            actor_id=actor.id,
            call_id=call.id,
            score=90.0 - 10 * i,
            components={"text": 0.8 - 0.1 * i, "theme": 0.5, "time": 1.0},
            evidence=Evidence(
                points=(("text", 60.0 - 10 * i), ("theme", 20.0), ("time", 10.0)),
                deadline=upcoming.date
                if (upcoming := call.for_applicant(service_today(), PREPARATION_DAYS).deadline)
                else None,
            ).to_json(),
        )
        for i, call in enumerate(calls)
    ]
    session.add_all(matches)
    session.commit()
    return matches


class Inbox:
    """Messages a real SMTP server on localhost received."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def link(self, index: int = -1) -> str:
        """The path of the link in a received message's plain text."""
        text = self.messages[index].get_body(preferencelist=("plain",)).get_content()
        found = re.search(r"https?://[^/\s]+(/\S+)", text)
        assert found, text
        return found.group(1)


def internship_subscribers(
    session, settings, emails: list[str], locale: str = "en"
) -> tuple[datetime, list]:
    """Confirmed daily subscribers of the real internship offers, which a scrape stored an
    hour before the last send time: every one is due a digest now. The period's end and the
    subscriptions."""
    end = period_end(settings, "daily", utcnow())
    made = []
    for email in emails:
        subscription = subscribe_public(
            session, email, end - timedelta(hours=3), keywords=["internships"],
            frequency="daily", locale=locale,
        )  # fmt: skip
        confirm(subscription, end - timedelta(hours=2))
        made.append(subscription)
    stored = end - timedelta(hours=1)
    ingest(session, sedia_records(), priority=["ft_search"], today=stored.date(), now=stored)
    session.commit()
    return end, made


@contextmanager
def smtp_server(handler, port: int):
    """A real SMTP server (aiosmtpd) on localhost while the block runs."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def inbox(settings):
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    with smtp_server(Inbox(), port) as handler:
        yield handler


# What `make demo-data` loads, one source after another: later sources merge into stored calls.
EMAILS = {
    "member": "member@kone.example",
    "staff": "staff@hameenliitto.example",
    "admin": "admin@hameenliitto.example",
}
INVITED = "invited@ruoka.example"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory, sqlite_template, catalogs):
    """The app on a database filled as `make run` fills it offline, with actors, their real
    matches, one dismissed match, users of every role and one invited member."""
    path = tmp_path_factory.mktemp("pages") / "radar.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    settings = load_settings(env={})
    settings.database.url = f"sqlite:///{path}"
    today = settings.today()
    assert all(run.ok for run in load_recordings(engine, settings, SHARED))
    with Session(engine, expire_on_commit=False) as session:
        kone = Actor(
            name="Hämeen Kone Oy",
            business_id="0112038-9",
            municipality="Hämeenlinna",
            organisation_type="small",
            preferred_role="partner",
            themes=["smart_services", "circular_economy"],
            keywords=["artificial intelligence", "robotics", "recycling", "food"],
            description="Robotics and AI for recycling plants and food production.",
        )
        ruoka = Actor(name="Forssan Ruoka ry", organisation_type="ngo", municipality="Forssa")
        session.add_all([kone, ruoka])
        session.flush()
        for role, email in EMAILS.items():
            actor_id = kone.id if role == "member" else None
            create_user(session, email, role, actor_id=actor_id, password=PASSWORD)
        create_user(session, INVITED, "member", actor_id=ruoka.id)
        session.commit()
        rescore_all(session, settings, today, utcnow())
        session.commit()
        member = session.exec(select(User).where(User.email == EMAILS["member"])).one()
        dismissed = next(m for m in _matches(session, kone.id))
        record_feedback(
            session,
            settings,
            actor_id=kone.id,
            call_id=dismissed,
            verdict="not_relevant",
            reason="capacity",
            user_id=member.id,
            today=today,
            now=utcnow(),
        )
        session.commit()
        ids = {
            "actor_id": kone.id,
            "call_ids": _telling_calls(session),
            "application_id": _rejected_application(session, kone, member, today),
            "subscription_ids": _subscriptions(session, settings, member),
        }
    from webapp import create_app

    app = create_app(settings, engine=engine)
    app.config.update(TESTING=True)
    yield app, engine, ids
    engine.dispose()


def _rejected_application(session: Session, actor: Actor, member: User, today: date) -> int:
    """An application to the actor's best match, taken to a rejection with its reason and
    score, with a partner and a document link: every word of the pages has a value to show."""
    call_id = next(_matches(session, actor.id))
    now = utcnow()
    application = start_from_match(session, actor.id, call_id, user_id=member.id, now=now)
    values = {
        "partners": [{"name": "Tampere University", "country": "FI", "role": "coordinator"}],
        "links": ["https://example.org/proposal.pdf"],
        "requested_eur": 250_000,
        "regional_funding_applied": True,
    }
    update_application(session, application, values, user_id=member.id, now=now)
    for stage in ("submitted", "evaluation"):
        move(session, application, stage, user_id=member.id, now=now)
    move(session, application, "rejected", user_id=member.id, now=now, reason="low_fit", score=8.5)
    session.commit()
    return int(application.id or 0)


def _subscriptions(session: Session, settings, member: User) -> list[int]:
    """The member's digest and a saved search, a public subscription, a followed call, and a
    message the mail server could not take (nothing listens on its port, one attempt allowed):
    every word of the digest pages, the followed page and the sources page's failed mails has a
    value to show."""
    now = utcnow()
    start_following(session, member, next(_matches(session, int(member.actor_id or 0))), now)
    made = [
        subscribe_user(session, member, "member_digest", now, frequency="daily"),
        subscribe_user(
            session,
            member,
            "saved_search",
            now,
            name="Horisontti",
            query="programme=Horizon+Europe+%28HORIZON%29",
        ),  # fmt: skip
        subscribe_public(
            session,
            "tilaaja@example.org",
            now,
            keywords=["robotics"],
            themes=["circular_economy"],
            programmes=["Horizon Europe (HORIZON)"],
        ),  # fmt: skip
    ]
    refused = dataclasses.replace(
        settings, mail=dataclasses.replace(settings.mail, port=free_port(), max_attempts=1)
    )
    send_email(refused, "tilaaja@example.org", "confirm", {"link": "-", "hours": 1, "email": ""},
               "fi", session=session)  # fmt: skip
    session.commit()
    return [int(s.id or 0) for s in made]


def _matches(session: Session, actor_id: int) -> Iterator[int]:
    query = select(Match.call_id).where(Match.actor_id == actor_id)
    return iter(session.exec(query.order_by(col(Match.score).desc())))


def _telling_calls(session: Session) -> list[int]:
    """A call of each source, a call with a change history and one with labelled deadlines."""
    first = select(CallSource.source, CallSource.call_id).order_by(col(CallSource.call_id))
    by_source = dict(reversed(session.exec(first).all()))
    changed = session.exec(select(ChangeEvent.call_id).limit(1)).first()
    labelled = {
        label.split()[0]: call.id
        for call in session.exec(select(Call))
        for label in [d.get("label") for d in call.deadlines]
        if label
    }
    assert set(labelled) == {"stage", "cut-off"}
    return sorted({*by_source.values(), *labelled.values(), *([changed] if changed else [])})
