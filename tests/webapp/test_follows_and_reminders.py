"""Following calls, their change alerts and deadline reminders, sent to a real SMTP server on
localhost. The call is the real two-stage LIFE topic of the F&T export (stage 1 5 September
2024, stage 2 6 March 2025, 17:00 Brussels time); a later run of a source moves its stage 2
deadline, as the calendar tests do."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from threading import Thread
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, func, select

from tests.language import problems_of
from tests.tracker.helpers import export_record, radar_on
from tests.webapp.conftest import add_matches, csrf, sign_in
from tracker.applications import create_application, move
from tracker.digest_run import send_digests
from tracker.digests import period_end
from tracker.follows import follow
from tracker.ingest import ingest
from tracker.models import Call, User, utcnow
from tracker.models_web import EmailLog, Follow, Subscription
from tracker.reminders import send_reminders
from tracker.subscriptions import start_following, subscribe_user
from webapp.digest_mail import DigestMail
from webapp.reminder_mail import ReminderMail

LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"
HELSINKI = ZoneInfo("Europe/Helsinki")


def store(session, records, now: datetime) -> None:
    ingest(session, records, priority=["ft_portal_export"], today=now.date(), now=now)
    session.commit()


def life_call(session) -> Call:
    return session.exec(select(Call).where(Call.identifier == LIFE)).one()


def stage_2_moved(days: int):
    """The LIFE topic as a later run gives it: its stage 2 deadline `days` later."""
    record = export_record(LIFE)
    first, second = record.deadlines
    later = dataclasses.replace(second, date=second.date + timedelta(days=days))
    return dataclasses.replace(record, deadlines=(first, later))


def parts(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    return plain, message.get_body(preferencelist=("html",)).get_content()


def follow_on_page(client, call_id: int):
    token = csrf(client, f"/calls/{call_id}")
    return client.post(f"/calls/{call_id}/follow", data={"csrf_token": token})


def test_a_followed_call_that_changes_is_told_in_the_next_digest_in_each_language(
    app, engine, session, settings, people, inbox
):
    store(session, [export_record(LIFE)], utcnow() - timedelta(days=1))
    call_id = life_call(session).id
    people["staff"].locale = "en"
    session.commit()
    # The member follows from the call's page (Finnish); staff from the same page (English).
    for email in ("member@kone.example", "staff@hameenliitto.example"):
        client = app.test_client()
        sign_in(client, email)
        answer = follow_on_page(client, call_id)
        assert answer.status_code == 302 and answer.location == f"/calls/{call_id}"
        page = client.get(f"/calls/{call_id}").get_data(as_text=True)
        assert "/unfollow" in page
    assert app.test_client().post(f"/calls/{call_id}/follow").status_code == 400  # no CSRF
    follows = session.exec(select(Subscription).where(Subscription.kind == "follows")).all()
    assert sorted((s.email, s.locale, s.frequency) for s in follows) == [
        ("member@kone.example", "fi", "daily"),
        ("staff@hameenliitto.example", "en", "daily"),
    ]
    # A saved search carries no alerts: only the digest that carries them tells a change.
    subscribe_user(session, people["member"], "saved_search", utcnow(), query="q=LIFE", name="L")
    session.commit()

    changed = utcnow() + timedelta(hours=1)
    store(session, [stage_2_moved(14)], changed)
    run_at = period_end(settings, "daily", changed + timedelta(days=1)) + timedelta(minutes=1)
    run = send_digests(engine, settings, DigestMail(app), now=run_at)
    assert run.new == 2, run.message
    by_to = {m["To"]: m for m in inbox.messages}
    assert set(by_to) == {"member@kone.example", "staff@hameenliitto.example"}
    fi_plain, fi_html = parts(by_to["member@kone.example"])
    en_plain, en_html = parts(by_to["staff@hameenliitto.example"])
    assert by_to["member@kone.example"]["Subject"] == (
        "Häme Funding Radar: seuraamiesi hakujen muutokset"
    )
    # The sentence of the call's change history, dates in Helsinki time (18:00 in March).
    assert "Vaiheen 2 määräaika siirtyi: 6.3.2025 18.00 → 20.3.2025 18.00." in fi_plain
    assert "SEURAAMASI HAUT, JOTKA MUUTTUIVAT" in fi_plain
    english = "The Stage 2 deadline moved from 6 Mar 2025 18:00 to 20 Mar 2025 18:00."
    assert english in en_plain and "Calls you follow that changed" in en_html
    history = app.test_client().get(f"/calls/{call_id}", headers={"Accept-Language": "en"})
    assert english in history.get_data(as_text=True)
    for message, language in ((by_to["member@kone.example"], "fi"), (by_to["staff@hameenliitto.example"], "en")):  # fmt: skip
        assert problems_of(parts(message)[1], language) == []
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Nothing changed since: the next day's digests send nothing.
    again = send_digests(engine, settings, DigestMail(app), now=run_at + timedelta(days=1))
    assert (again.new, len(inbox.messages)) == (0, 2)


def test_an_own_digest_carries_the_changes_and_the_alerts_digest_then_sends_nothing(
    app, engine, session, settings, people, inbox
):
    started = utcnow() - timedelta(days=1)
    store(session, [export_record(LIFE)], started)
    member = people["member"]
    start_following(session, member, life_call(session).id, started)
    subscribe_user(session, member, "member_digest", started, frequency="daily")
    session.commit()
    changed = utcnow() + timedelta(hours=1)
    store(session, [stage_2_moved(7)], changed)
    run_at = period_end(settings, "daily", changed + timedelta(days=1)) + timedelta(minutes=1)
    run = send_digests(engine, settings, DigestMail(app), now=run_at)
    assert (run.fetched, run.new) == (2, 1)  # the alerts digest was due, with nothing to send
    (message,) = inbox.messages
    assert message["Subject"] == "Häme Funding Radar: seuraamiesi hakujen muutokset"
    assert "Vaiheen 2 määräaika siirtyi: 6.3.2025 18.00 → 13.3.2025 18.00." in parts(message)[0]


@pytest.fixture
def reminded(session, people):
    """The LIFE topic followed by the member by hand; an application of the other organisation
    to it, submitted at stage 1, with staff responsible, who follows the call by hand too."""
    stored = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)
    store(session, [export_record(LIFE)], stored)
    call = life_call(session)
    people["staff"].locale = "en"
    start_following(session, people["member"], call.id, stored)
    start_following(session, people["staff"], call.id, stored)
    values = {"call_id": call.id, "staff_id": people["staff"].id}
    application = create_application(
        session, people["other_actor"].id, values, user_id=people["other"].id, now=stored,
        stage="preparing",
    )  # fmt: skip
    move(session, application, "submitted", user_id=people["other"].id, now=stored)
    session.commit()
    return {"call": call, "application": application}


def at_eight(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), HELSINKI).astimezone(UTC)


def test_reminders_come_30_14_and_3_days_before_each_stage_once_each(
    app, engine, session, settings, people, inbox, reminded
):
    stage_2 = date(2025, 3, 6)
    sent_on: dict[int, list[str]] = {}
    for before in (31, 30, 29, 15, 14, 13, 4, 3, 2, 0, -1):
        count = len(inbox.messages)
        send_reminders(
            engine, settings, ReminderMail(app), now=at_eight(stage_2 - timedelta(before))
        )
        sent_on[before] = sorted(m["To"] for m in inbox.messages[count:])
    team_and_follower = ["member@kone.example", "other@ruoka.example", "staff@hameenliitto.example"]
    assert sent_on == {
        31: [], 30: team_and_follower, 29: [], 15: [], 14: team_and_follower, 13: [], 4: [],
        3: team_and_follower, 2: [], 0: [], -1: [],
    }  # fmt: skip
    # The application's team (the staff member responsible, the organisation's member) is
    # reminded of the application, without following by hand; the follower of the call.
    keys = set(session.exec(select(EmailLog.key)))
    application = reminded["application"].id
    for user, target in (("staff", f"application:{application}"), ("other", f"application:{application}"),
                         ("member", f"call:{reminded['call'].id}")):  # fmt: skip
        user_id = people[user].id
        assert {f"remind:{user_id}:{target}:stage-2:2025-03-06:{r}" for r in (30, 14, 3)} <= keys
    assert len(keys) == 9

    member = next(m for m in inbox.messages if m["To"] == "member@kone.example")
    plain, html = parts(member)
    title = reminded["call"].title
    assert member["Subject"] == f"Määräaikaan 30 päivää: {title}"
    assert "Vaihe 2: 6.3.2025 18.00 (30 päivää jäljellä)" in plain and "Europe/Helsinki" in plain
    assert "koska seuraat tätä hakua" in plain and f"/calls/{reminded['call'].id}" in html
    assert problems_of(html, "fi") == []
    staff = next(m for m in inbox.messages if m["To"] == "staff@hameenliitto.example")
    plain, html = parts(staff)
    assert staff["Subject"] == f"Deadline in 30 days: {title}"
    assert "Stage 2: 6 Mar 2025 18:00 (30 days left)" in plain
    assert "team of the application of Forssan Ruoka ry" in plain
    assert f"/applications/{application}" in plain and problems_of(html, "en") == []


def test_the_one_click_link_stops_a_users_reminders(
    app, engine, session, settings, people, inbox, reminded
):
    send_reminders(engine, settings, ReminderMail(app), now=at_eight(date(2025, 2, 4)))
    member = next(m for m in inbox.messages if m["To"] == "member@kone.example")
    link = member["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert link.startswith("/reminders/stop/")
    client = app.test_client()
    assert "Lopeta muistutukset" in client.get(link).get_data(as_text=True)
    assert client.post(link).status_code == 200  # no session, no CSRF token (RFC 8058)
    session.expire_all()
    assert session.get(User, people["member"].id).reminders is False
    count = len(inbox.messages)
    send_reminders(engine, settings, ReminderMail(app), now=at_eight(date(2025, 2, 20)))
    assert sorted(m["To"] for m in inbox.messages[count:]) == [
        "other@ruoka.example", "staff@hameenliitto.example",
    ]  # fmt: skip
    # Turned on again from the followed page, by a signed-in form with its CSRF token.
    sign_in(client, "member@kone.example")
    token = csrf(client, "/follows")
    assert client.post("/follows/reminders", data={"reminders": "on"}).status_code == 400
    client.post("/follows/reminders", data={"reminders": "on", "csrf_token": token})
    session.expire_all()
    assert session.get(User, people["member"].id).reminders is True


def test_radar_remind_dry_run_prints_and_sends_nothing_then_the_run_sends_once(
    engine, session, settings, people, inbox
):
    # The real topic with its stage 2 deadline three days from today, as a later run gives it.
    today = datetime.now(HELSINKI).date()
    record = export_record(LIFE)
    first, second = record.deadlines
    moved = dataclasses.replace(second, date=today + timedelta(days=3))
    store(session, [dataclasses.replace(record, deadlines=(first, moved))], utcnow())
    start_following(session, people["member"], life_call(session).id, utcnow())
    session.commit()
    env = {"RADAR_WEB_SECRET_KEY": "test-" + "k" * 40, "RADAR_MAIL_PORT": str(settings.mail.port)}
    result = radar_on(engine)("remind", "--dry-run", env=env)
    assert result.exit_code == 0, result.output
    key = f"remind:{people['member'].id}:call:{life_call(session).id}:stage-2:{moved.date}:3"
    assert result.output == (
        f"member@kone.example ({key}): Määräaikaan 3 päivää: {life_call(session).title}\n"
    )
    assert inbox.messages == []
    assert session.exec(select(func.count()).select_from(EmailLog)).one() == 0
    sent = radar_on(engine)("remind", env=env)
    assert sent.output == "reminders: 1 sent, 0 kept to retry, 0 refused for good\n"
    assert radar_on(engine)("remind", env=env).output.startswith("reminders: 0 sent")
    assert [m["To"] for m in inbox.messages] == ["member@kone.example"]
    assert session.exec(select(Follow.user_id)).all() == [people["member"].id]


def test_the_staff_digest_tells_a_stage_2_deadline_of_the_coming_week(
    app, engine, session, settings, people, inbox
):
    # The LIFE topic matched to a Kanta-Häme organisation: one of the region's calls.
    started = datetime(2025, 2, 24, 6, 0, tzinfo=UTC)
    store(session, [export_record(LIFE)], started - timedelta(days=30))
    add_matches(session, people["actor"], [life_call(session)])
    people["staff"].locale = "en"
    subscribe_user(session, people["staff"], "staff_digest", started, frequency="weekly")
    session.commit()
    run = send_digests(engine, settings, DigestMail(app), now=datetime(2025, 3, 3, 12, tzinfo=UTC))
    assert run.new == 1, run.message
    plain, _html = parts(inbox.messages[0])
    assert "DEADLINES WITHIN A WEEK" in plain and "Stage 2: 6 Mar 2025 18:00" in plain


def test_two_follows_of_a_call_at_once_keep_one_and_a_missing_call_is_not_found(
    app, engine, session, people
):
    store(session, [export_record(LIFE)], utcnow())
    call_id = int(life_call(session).id or 0)
    member = int(people["member"].id or 0)
    client = app.test_client()
    sign_in(client, "member@kone.example")
    token = csrf(client, f"/calls/{call_id}")
    # A first request has added the follow and not yet committed (another tab, a double
    # click): the page's own follow waits for it, then adds nothing and does not fail.
    with Session(engine) as first:
        follow(first, member, call_id, utcnow())
        answers: list[int] = []
        clicked = Thread(
            target=lambda: answers.append(
                client.post(f"/calls/{call_id}/follow", data={"csrf_token": token}).status_code
            )
        )
        clicked.start()
        clicked.join(timeout=1)  # still waiting for the first
        first.commit()
    clicked.join(timeout=30)
    assert answers == [302]
    rows = session.exec(select(Follow).where(Follow.user_id == member)).all()
    assert [row.call_id for row in rows] == [call_id]
    kinds = session.exec(select(Subscription.kind).where(Subscription.user_id == member)).all()
    assert kinds == ["follows"]  # the alerts digest made once
    for missing in (call_id + 10_000, 2**31, 10**30):  # no such call; beyond any row id
        assert (
            client.post(f"/calls/{missing}/follow", data={"csrf_token": token}).status_code == 404
        )


def test_a_call_followed_from_the_matches_page_leads_back_to_its_row(app, session, people):
    store(session, [export_record(LIFE)], utcnow())
    call_id, actor_id = int(life_call(session).id or 0), people["actor"].id
    add_matches(session, people["actor"], [life_call(session)])
    client = app.test_client()
    sign_in(client, "member@kone.example")
    page = BeautifulSoup(client.get(f"/actors/{actor_id}/matches").data, "html.parser")
    form = page.select_one(f"#match-{call_id} form.follow")
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    here = f"/actors/{actor_id}/matches#match-{call_id}"
    assert data["next"] == here and data["csrf_token"]
    answer = client.post(form["action"], data=data)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(here)
    member = int(people["member"].id or 0)
    assert session.exec(select(Follow.call_id).where(Follow.user_id == member)).all() == [call_id]
