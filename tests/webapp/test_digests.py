"""Email digests sent to a real SMTP server on localhost: what each subscriber gets (the
matches of their organisation, the region's news, a saved search's new calls), in which
language, with which headers, once per period; a temporary refusal retried, a permanent one
shown to staff; the one-click unsubscribe. The calls are the real recorded F&T records, the
matches the real matcher's."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.language import problems_of
from tests.tracker.helpers import bulk_records, radar_on, sedia_records
from tests.webapp.conftest import (
    Inbox,
    free_port,
    internship_subscribers,
    rescore,
    sign_in,
    smtp_server,
)
from tracker.applications import move, start_from_match
from tracker.config import load_settings
from tracker.digest_run import send_digests
from tracker.digests import digest_key, period_end
from tracker.ingest import ingest
from tracker.jobs import send_mail
from tracker.models import Call
from tracker.models_web import EmailLog, Subscription
from tracker.subscriptions import subscribe_user
from webapp.digest_mail import DigestMail

STORED = datetime(2026, 12, 19, 6, 0, tzinfo=UTC)  # the calls first stored
STARTED = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)  # the subscriptions made
MOVED = datetime(2026, 12, 22, 6, 0, tzinfo=UTC)  # a deadline moved, an application submitted
RUN = datetime(2026, 12, 28, 12, 0, tzinfo=UTC)  # a Monday: daily and weekly digests due
UNSUBSCRIBE = re.compile(r"^<http://127\.0\.0\.1:8000(/unsubscribe/[\w.-]+)>$")


def store(session, records, now: datetime) -> None:
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=now.date(), now=now)
    session.commit()


def record(identifier: str):
    return next(r for r in sedia_records() + bulk_records() if r.identifier == identifier)


def parts(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


def messages_to(inbox: Inbox, email: str) -> list:
    return [m for m in inbox.messages if m["To"] == email]


@pytest.fixture
def region(session, settings, people):
    """The real calls stored, a member's digest (score 90 or more, Finnish, daily) and a staff
    member's weekly digest in English, both made before the member's organisation was matched;
    then a matched call's deadline moved and an application submitted."""
    store(session, sedia_records() + bulk_records(), STORED)
    staff = people["staff"]
    staff.locale = "en"
    member_digest = subscribe_user(
        session, people["member"], "member_digest", STARTED, frequency="daily", min_score=90.0
    )
    staff_digest = subscribe_user(session, staff, "staff_digest", STARTED, frequency="weekly")
    session.commit()
    matches = rescore(session, settings, people["actor"])
    moved = record("FSTP-11265")
    later = [
        dataclasses.replace(d, date=date(2027, 2, 28)) if d.date == date(2027, 2, 14) else d
        for d in moved.deadlines
    ]
    store(session, [dataclasses.replace(moved, deadlines=tuple(later))], MOVED)
    application = start_from_match(
        session, people["actor"].id, matches[0].call_id, user_id=people["member"].id, now=MOVED
    )
    move(session, application, "submitted", user_id=people["member"].id, now=MOVED)
    session.commit()
    return {"member": member_digest, "staff": staff_digest, "matches": matches}


def test_each_subscriber_gets_their_news_in_their_language_once(
    app, engine, session, settings, inbox, region
):
    run = send_digests(engine, settings, DigestMail(app), now=RUN)
    assert (run.ok, run.fetched, run.new, run.errors) == (True, 2, 2, 0)
    (member,) = messages_to(inbox, "member@kone.example")
    (staff,) = messages_to(inbox, "staff@hameenliitto.example")

    # The member: the organisation's matches scoring 90 or more, in Finnish, best first.
    scored = {session.get(Call, m.call_id).title: m.score for m in region["matches"]}
    above = [title for title, score in scored.items() if score >= 90]
    below = [title for title, score in scored.items() if score < 90]
    assert len(above) >= 2 and below  # the minimum score keeps a match out
    assert member["Subject"] == f"Häme Funding Radar: {len(above)} uutta osumaa, Hämeen Kone Oy"
    plain, html = parts(member)
    in_order = sorted(above, key=plain.index)
    assert [scored[t] for t in in_order] == sorted(scored[t] for t in above)[::-1]  # best first
    assert all(title not in plain for title in below)
    assert f"Pisteet {round(region['matches'][0].score)}" in plain and "Uudet osumat" in html
    # The days left are said once per match, beside its next deadline, not again as a reason.
    assert plain.count("jäljellä)") == len(above) and "Aikaa " not in plain
    assert "Saat tämän viestin, koska otit käyttöön organisaatiosi koosteen." in plain
    # Dates in Finnish and in Helsinki time: the period ended at 07:00 on 28 December.
    assert "Uutta 20.12.2026 8.00 – 28.12.2026 7.00." in plain

    # Staff: the region's changed call in the words of its history, the deadlines of the
    # coming week, and the application that moved, in English.
    assert staff["Subject"] == "Häme Funding Radar: news of the region's calls and applications"
    plain, html = parts(staff)
    assert "The Cut-off 5 deadline moved from 15 Feb 2027 01:59 to 1 Mar 2027 01:59." in plain
    assert "DEADLINES WITHIN A WEEK" in plain and "Cut-off 4: 3 Jan 2027" in plain
    assert "Moved from Preparing to Submitted." in plain and "Applications that moved" in html
    for message, language in ((member, "fi"), (staff, "en")):
        plain, html = parts(message)
        assert problems_of(html, language) == []
        assert "/unsubscribe/" in plain and "/unsubscribe/" in html
        assert UNSUBSCRIBE.match(message["List-Unsubscribe"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Each message is logged under its subscription and period; nothing is new a day later.
    keys = set(session.exec(select(EmailLog.key)))
    assert keys == {digest_key(region[k], period_end(settings, f, RUN), settings)
                    for k, f in (("member", "daily"), ("staff", "weekly"))}  # fmt: skip
    assert keys == {
        f"digest:{region['member'].id}:2026-12-28",
        f"digest:{region['staff'].id}:2026-W53",
    }
    again = send_digests(engine, settings, DigestMail(app), now=RUN + timedelta(days=1))
    assert (again.fetched, again.new) == (1, 0)  # the daily one was due, with nothing new
    assert len(inbox.messages) == 2


def test_the_one_click_unsubscribe_needs_no_session_or_form_token(
    app, engine, session, settings, inbox, region
):
    member_id, staff_id = region["member"].id, region["staff"].id
    send_digests(engine, settings, DigestMail(app), now=RUN)
    (message,) = messages_to(inbox, "member@kone.example")
    path = UNSUBSCRIBE.match(message["List-Unsubscribe"]).group(1)
    client = app.test_client()
    page = client.get(path)  # a link checker opening the link unsubscribes nobody
    assert page.status_code == 200 and "Peru tilaus" in page.get_data(as_text=True)
    assert session.get(Subscription, member_id) is not None
    # What a mail client sends (RFC 8058): no cookie, no CSRF token.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "Tilaus on peruttu" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscription, member_id) is None
    assert client.post(path).status_code == 200  # the same answer again
    assert client.get(path).status_code == 404
    # A token changed by one character is no token: nothing else ends.
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    assert client.post(forged).status_code == 200
    assert session.exec(select(Subscription.id)).all() == [staff_id]


class Busy:
    """A server that answers the first message with a passing refusal, then takes them."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if not self.refused:
            self.refused += 1
            return "451 4.3.0 Try again later"
        return await self.inbox.handle_DATA(server, session, envelope)


def test_a_digest_the_server_refuses_for_now_is_sent_whole_by_the_retry(
    app, engine, session, settings, region
):
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    with smtp_server(Busy(), port) as busy:
        run = send_digests(engine, settings, DigestMail(app), now=RUN)
        assert run.new == 1 and "1 kept to retry" in run.message
        (waiting,) = session.exec(select(EmailLog).where(EmailLog.status == "pending")).all()
        assert waiting.key.startswith("digest:") and waiting.attempts == 1
        retried = send_mail(engine, settings)
        assert (retried.new, retried.errors) == (1, 0)
    assert len(busy.inbox.messages) == 2
    sent = next(m for m in busy.inbox.messages if m["Subject"] == waiting.subject)
    assert UNSUBSCRIBE.match(sent["List-Unsubscribe"])
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert all(part for part in parts(sent))
    session.expire_all()
    assert session.get(EmailLog, waiting.id).status == "sent"
    assert session.get(EmailLog, waiting.id).context is None
    # Covered once: the next run has nothing more to send for that period.
    assert send_digests(engine, settings, DigestMail(app), now=RUN).fetched == 0


class Refusing:
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return "550 5.1.1 No such mailbox"


def test_a_digest_refused_for_good_is_shown_on_the_sources_page(
    app, client, engine, session, settings, region
):
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    with smtp_server(Refusing(), port):
        run = send_digests(engine, settings, DigestMail(app), now=RUN)
    assert (run.new, run.errors) == (0, 2)
    assert send_mail(engine, settings) is None  # nothing waits: a refusal is final
    sign_in(client, "staff@hameenliitto.example")
    page = client.get("/staff/sources").get_data(as_text=True)
    assert "news of the region" in page and "550" in page and "member@kone.example" in page


def test_a_dry_run_says_what_it_would_send_and_writes_nothing(
    app, engine, session, settings, inbox, region
):
    said: list[str] = []
    assert (
        send_digests(engine, settings, DigestMail(app), now=RUN, dry_run=True, say=said.append)
        is None
    )
    assert said == [
        f"member@kone.example (member_digest {region['member'].id}, digest:{region['member'].id}:2026-12-28): "
        "Häme Funding Radar: 2 uutta osumaa, Hämeen Kone Oy",
        f"staff@hameenliitto.example (staff_digest {region['staff'].id}, digest:{region['staff'].id}:2026-W53): "
        "Häme Funding Radar: news of the region's calls and applications",
    ]
    assert inbox.messages == []
    assert session.exec(select(func.count()).select_from(EmailLog)).one() == 0
    session.expire_all()
    assert session.get(Subscription, region["member"].id).covered_until == STARTED


@pytest.mark.parametrize(
    ("frequency", "now", "end"),
    [
        # Before 07:00 Helsinki (05:00 UTC in winter) the period ended the day before.
        (
            "daily",
            datetime(2026, 12, 28, 4, 59, tzinfo=UTC),
            datetime(2026, 12, 27, 5, 0, tzinfo=UTC),
        ),
        (
            "daily",
            datetime(2026, 12, 28, 5, 0, tzinfo=UTC),
            datetime(2026, 12, 28, 5, 0, tzinfo=UTC),
        ),
        # Summer time: 07:00 Helsinki is 04:00 UTC.
        ("daily", datetime(2027, 6, 1, 12, 0, tzinfo=UTC), datetime(2027, 6, 1, 4, 0, tzinfo=UTC)),
        # Weekly on Mondays: a Sunday looks back to the Monday before.
        (
            "weekly",
            datetime(2027, 1, 3, 12, 0, tzinfo=UTC),
            datetime(2026, 12, 28, 5, 0, tzinfo=UTC),
        ),
        (
            "weekly",
            datetime(2027, 1, 4, 4, 0, tzinfo=UTC),
            datetime(2026, 12, 28, 5, 0, tzinfo=UTC),
        ),
        ("weekly", datetime(2027, 1, 4, 6, 0, tzinfo=UTC), datetime(2027, 1, 4, 5, 0, tzinfo=UTC)),
        # The Monday after summer time ends: 07:00 Helsinki is 05:00 UTC again.
        (
            "weekly",
            datetime(2026, 11, 2, 6, 0, tzinfo=UTC),
            datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_period_ends_at_the_last_send_time_in_helsinki(frequency, now, end):
    assert period_end(load_settings(env={}), frequency, now) == end


def test_radar_digest_dry_run_prints_each_subscriber_and_sends_nothing(
    engine, session, settings, inbox
):
    end, (subscription,) = internship_subscribers(session, settings, ["tilaaja@example.org"])
    offers = [r for r in sedia_records() if "internships" in r.title.lower()]
    env = {"RADAR_WEB_SECRET_KEY": "test-" + "k" * 40, "RADAR_MAIL_PORT": str(settings.mail.port)}
    result = radar_on(engine)("digest", "--dry-run", env=env)
    assert result.exit_code == 0, result.output
    key = digest_key(subscription, end, settings)
    assert result.output == (
        f"tilaaja@example.org (public {subscription.id}, {key}): "
        f"Häme Funding Radar: {len(offers)} new calls\n"
    )
    assert inbox.messages == []
    assert session.exec(select(func.count()).select_from(EmailLog)).one() == 0
    sent = radar_on(engine)("digest", env=env)
    assert (
        sent.output == "digests: 1 sent, 0 with nothing new, 0 kept to retry, 0 refused for good\n"
    )
    assert [m["To"] for m in inbox.messages] == ["tilaaja@example.org"]


class Closing(Inbox):
    """A real SMTP server that records each message's connection and, at the second message,
    answers 421 (closing the connection), as a server going down for a moment does."""

    def __init__(self) -> None:
        super().__init__()
        self.started = 0
        self.peers: list[tuple[str, int]] = []

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        self.started += 1
        if self.started == 2:
            return "421 4.3.2 Closing for a moment"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def test_a_run_sends_over_one_connection_and_opens_another_when_the_server_closes_it(
    app, engine, session, settings
):
    emails = [f"tilaaja{n}@example.org" for n in range(1, 6)]
    end, _made = internship_subscribers(session, settings, emails, locale="fi")
    port = free_port()
    settings.mail.host, settings.mail.port = "127.0.0.1", port
    with smtp_server(Closing(), port) as server:
        run = send_digests(engine, settings, DigestMail(app), now=end)
        assert (run.new, run.errors) == (4, 0) and "1 kept to retry" in run.message
        # The first message over one connection; the second refused for now, which closed it;
        # the other three over one new connection.
        first, *rest = server.peers
        assert len(rest) == 3 and len(set(rest)) == 1 and first not in rest
        (waiting,) = session.exec(select(EmailLog).where(EmailLog.status == "pending")).all()
        assert waiting.last_error.startswith("SMTPSenderRefused: (421")
        assert send_mail(engine, settings).new == 1  # the retry sends it
    assert sorted(m["To"] for m in server.messages) == emails  # each once
    assert send_digests(engine, settings, DigestMail(app), now=end).fetched == 0
