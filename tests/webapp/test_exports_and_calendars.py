"""Downloads from the pages with their filters, and calendar feeds behind secret URLs: who may
have them, what they hold, and a calendar's event following a deadline that moves."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import select

from tests.tracker.helpers import export_record, sedia_records
from tests.webapp.conftest import add_matches, csrf, post_verdict, sign_in
from tracker.applications import create_application, move, update_application
from tracker.ingest import ingest
from tracker.matching import record_feedback
from tracker.models import Application, Call, User, utcnow

LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"  # stage 1 2024-09-05 17:00, stage 2 2025-03-06 17:00
HORIZON = "HORIZON-CL5-2026-09-D4-03"  # one deadline, a date alone: 2026-09-15
DIGITAL = "HORIZON-CL4-2025-04-DATA-03"
FEED_URL = re.compile(r'<p class="token">https?://[^/<]+(/calendar/[^<]+\.ics)</p>')


def _store(session, records, day):
    ingest(session, records, priority=["ft_search", "ft_portal_export"], today=day, now=utcnow())
    session.commit()
    return {c.identifier: c for c in session.exec(select(Call))}


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_calls_page_offers_its_calls_for_download_with_its_filters(client, calls):
    programme = "Digital Europe Programme (DIGITAL)"
    page = client.get("/", query_string={"programme": programme, "status": ""}).get_data(
        as_text=True
    )
    link = re.search(r'href="(/calls/export\.csv\?[^"]+)"', page)
    assert link, "no CSV download on the calls page"
    href = link.group(1).replace("&amp;", "&")
    assert "programme=Digital" in href
    rows = _rows(client.get(href))  # in the reader's language, Finnish here
    expected = {i for i, c in calls.items() if c.programme == programme}
    assert {row["Tunniste"] for row in rows} == expected and len(expected) < len(calls)
    book = client.get(href.replace("export.csv", "export.xlsx"))
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert next(sheet.iter_rows(max_row=1, values_only=True))[:4] == (
        "Tunniste",
        "Nimi",
        "Ohjelma",
        "Tila",
    )
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == expected
    # For programs, JSON keeps the fields' names and the codes; the sheets say the status in words.
    items = client.get(href.replace("export.csv", "export.json")).get_json()
    codes = {item["identifier"]: item["status"] for item in items}
    assert set(codes) == expected and "closed" in codes.values()  # by the real date
    finnish = {"open": "Avoin", "forthcoming": "Tulossa", "closed": "Päättynyt"}
    assert {row["Tunniste"]: row["Tila"] for row in rows} == {
        identifier: finnish[code] for identifier, code in codes.items()
    }
    client.set_cookie("lang", "en")
    english = {row["Identifier"]: row["Status"] for row in _rows(client.get(href))}
    assert english == {identifier: code.title() for identifier, code in codes.items()}
    for refused in (
        "budget_min=-5",
        "budget_min=2&budget_max=1",
        "deadline_from=2027-02-01&deadline_to=2027-01-31",
    ):
        assert client.get(f"/calls/export.csv?{refused}").status_code == 400, refused


def test_a_member_exports_only_their_own_organisations_matches(client, session, people, calls):
    actor, other = people["actor"], people["other_actor"]
    add_matches(session, actor, [calls[HORIZON], calls[DIGITAL]])
    add_matches(session, other, [calls[HORIZON]])
    own = f"/actors/{actor.id}/matches/export.csv"
    assert client.get(own).status_code == 302  # to the sign-in page
    sign_in(client, "member@kone.example")
    page = client.get(f"/actors/{actor.id}/matches").get_data(as_text=True)
    assert f'href="{own}"' in page
    rows = _rows(client.get(own))
    assert [row["Tunniste"] for row in rows] == [HORIZON, DIGITAL]
    assert {row["Organisaatio"] for row in rows} == {actor.name}
    assert client.get(f"/actors/{other.id}/matches/export.csv").status_code == 403
    assert client.get(f"/actors/{other.id}/matches/export.xlsx").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "staff@hameenliitto.example")
    assert [
        r["Organisaatio"] for r in _rows(client.get(f"/actors/{other.id}/matches/export.csv"))
    ] == [other.name]


def test_a_member_exports_only_their_own_organisations_applications(client, session, people, calls):
    actor, other = people["actor"], people["other_actor"]
    now = utcnow()
    for owner, identifier, stage in (
        (actor, HORIZON, "preparing"),
        (actor, DIGITAL, "idea"),
        (other, HORIZON, "preparing"),
    ):
        values = {"call_id": calls[identifier].id, "requested_eur": 100_000}
        create_application(session, owner.id, values, user_id=None, now=now, stage=stage)
    session.commit()
    assert client.get("/applications/export.csv").status_code == 302  # to the sign-in page
    sign_in(client, "member@kone.example")
    page = client.get("/applications/", query_string={"stage": "preparing"}).get_data(as_text=True)
    link = re.search(r'href="(/applications/export\.csv\?[^"]+)"', page)
    assert link, "no CSV download on the applications page"
    href = link.group(1).replace("&amp;", "&")
    assert "stage=preparing" in href
    rows = _rows(client.get(href))
    said = (
        "Organisaatio",
        "Tunniste",
        "Vaihe",
        "Roolimme",
        "Maakunnallista valmistelurahoitusta haettu",
    )
    assert [tuple(r[name] for name in said) for r in rows] == [
        (actor.name, HORIZON, "Valmistelussa", "Partneri", "Ei")
    ]
    book = load_workbook(io.BytesIO(client.get(href.replace("csv", "xlsx")).data)).active
    assert [r[:2] for r in book.iter_rows(min_row=2, values_only=True)] == [(actor.name, HORIZON)]
    # another organisation asked for in the URL: a member's own organisation's still
    rows = _rows(client.get(f"/applications/export.csv?actor_id={other.id}"))
    assert [r["Organisaatio"] for r in rows] == [actor.name, actor.name]
    assert client.get("/applications/export.csv?deadline_from=soon").status_code == 400
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "staff@hameenliitto.example")
    rows = _rows(client.get(f"/applications/export.csv?actor_id={other.id}"))
    assert [(r["Organisaatio"], r["Tunniste"]) for r in rows] == [(other.name, HORIZON)]


def _make_feed(client, action: str, page: str) -> str:
    """Make a calendar address with the page's button; its path, shown this once."""
    answer = client.post(action, data={"csrf_token": csrf(client, page)})
    assert answer.status_code == 200
    found = FEED_URL.search(answer.get_data(as_text=True))
    assert found, "no calendar address shown"
    return found.group(1)


def _events(app, path: str) -> dict[str, dict]:
    """The feed fetched without signing in, as a calendar application does, parsed back."""
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {
        str(e["UID"]): {
            "summary": str(e["SUMMARY"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND") if "DTEND" in e else None,
            "alarms": [a.decoded("TRIGGER") for a in e.walk("VALARM")],
        }
        for e in calendar.walk("VEVENT")
    }


def _marked(session, settings, people, marks: dict[str, str]):
    """The real LIFE two-stage call and F&T topics stored on 1 September 2024, three of them
    matched to the member's organisation and marked by the member as the matches page marks
    them (each mark re-scores: closed calls leave the list); the LIFE record and the calls."""
    life = export_record(LIFE)
    stored = _store(session, [life, *sedia_records()], date(2024, 9, 1))
    actor = people["actor"]
    add_matches(session, actor, [stored[LIFE], stored[HORIZON], stored[DIGITAL]])
    for identifier, verdict in marks.items():
        record_feedback(
            session,
            settings,
            actor_id=actor.id,
            call_id=stored[identifier].id,
            verdict=verdict,
            reason=None,
            user_id=people["member"].id,
            today=date(2024, 9, 1),
            now=utcnow(),
        )
    session.commit()
    return life, stored


def _move_stage_2(session, life) -> None:
    """The source moves the LIFE call's stage 2 from 6 March to 10 April 2025, as a later run
    of the same export would give it: an edited copy of the real record, ingested."""
    stage_2 = dataclasses.replace(life.deadlines[1], date=date(2025, 4, 10))
    _store(
        session,
        [dataclasses.replace(life, deadlines=(life.deadlines[0], stage_2))],
        date(2024, 9, 1),
    )


def test_an_actors_calendar_follows_a_moved_deadline_with_the_same_event(
    app, client, session, settings, people
):
    # "applied" would start an application: tests below follow those
    life, stored = _marked(session, settings, people, {LIFE: "relevant", HORIZON: "relevant"})
    actor = people["actor"]
    sign_in(client, "member@kone.example")
    path = _make_feed(client, f"/actors/{actor.id}/calendar", f"/actors/{actor.id}")

    events = _events(app, path)
    by_call = {uid.split(".")[0]: uid for uid in events}
    assert set(by_call) == {f"call-{stored[LIFE].id}", f"call-{stored[HORIZON].id}"}
    stage_2 = f"call-{stored[LIFE].id}.stage-2.actor-{actor.id}@hame-funding-radar"
    brussels = ZoneInfo("Europe/Brussels")
    assert events[stage_2]["start"] == datetime(2025, 3, 6, 17, 0, tzinfo=brussels)
    assert events[stage_2]["start"].tzinfo.key == "Europe/Brussels"  # timed, in its own zone
    assert events[stage_2]["summary"].startswith("Vaihe 2: ")  # the member's language, Finnish
    horizon = events[by_call[f"call-{stored[HORIZON].id}"]]
    assert horizon["start"] == date(2026, 9, 15) and horizon["end"] == date(2026, 9, 16)
    assert all(e["alarms"] == [-timedelta(days=7)] for e in events.values())

    _move_stage_2(session, life)
    after = _events(app, path)
    assert set(after) == set(events)  # the same events: calendars move them
    assert after[stage_2]["start"] == datetime(2025, 4, 10, 17, 0, tzinfo=brussels)
    stage_1 = stage_2.replace("stage-2", "stage-1")
    assert after[stage_1]["start"] == events[stage_1]["start"]


def test_a_revoked_or_replaced_calendar_address_answers_404(app, client, session, people):
    actor, other = people["actor"], people["other_actor"]
    sign_in(client, "member@kone.example")
    first = _make_feed(client, f"/actors/{actor.id}/calendar", f"/actors/{actor.id}")
    second = _make_feed(client, f"/actors/{actor.id}/calendar", f"/actors/{actor.id}")
    assert app.test_client().get(first).status_code == 404  # replaced
    assert app.test_client().get(second).status_code == 200
    page = client.get(f"/actors/{actor.id}").get_data(as_text=True)
    assert second not in page  # shown once only
    client.post(
        f"/actors/{actor.id}/calendar/revoke",
        data={"csrf_token": csrf(client, f"/actors/{actor.id}")},
    )
    assert app.test_client().get(second).status_code == 404
    assert app.test_client().get("/calendar/not-a-token.ics").status_code == 404
    # another organisation's calendar and the staff calendars are not a member's to make
    token = csrf(client, f"/actors/{actor.id}")
    assert (
        client.post(f"/actors/{other.id}/calendar", data={"csrf_token": token}).status_code == 403
    )
    assert client.post("/account/calendars/region", data={"csrf_token": token}).status_code == 403


def test_staff_calendars_hold_their_applications_and_the_regions_open_matched_calls(
    app, client, session, settings, people, calls, monkeypatch
):
    today = date(2025, 9, 1)  # DIGITAL and the cut-off calls open, HORIZON forthcoming
    monkeypatch.setattr(settings, "today", lambda: today)
    actor, other = people["actor"], people["other_actor"]
    add_matches(session, actor, [calls[DIGITAL], calls[HORIZON]])
    unmatched = next(
        c for i, c in calls.items() if c.status(today) == "open" and i not in (DIGITAL, HORIZON)
    )
    sign_in(client, "other@ruoka.example")
    add_matches(session, other, [calls[DIGITAL]])
    post_verdict(
        client, other.id, calls[DIGITAL].id, "applied", csrf(client, f"/actors/{other.id}/matches")
    )
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "staff@hameenliitto.example")
    client.set_cookie("lang", "en")
    staff = _make_feed(client, "/account/calendars/staff", "/account")
    region = _make_feed(client, "/account/calendars/region", "/account")

    assert _events(app, staff) == {}  # the application "applied" started names nobody yet
    started = session.exec(select(Application)).one()
    edit = f"/applications/{started.id}/edit"
    data = {"csrf_token": csrf(client, edit), "call_identifier": DIGITAL, "role": "partner"}
    assert client.post(edit, data={**data, "staff_id": people["staff"].id}).status_code == 302
    mine = _events(app, staff)
    assert {uid.split(".")[0] for uid in mine} == {f"application-{started.id}"}
    regional = {uid.split(".")[0] for uid in _events(app, region)}
    assert {f"call-{calls[DIGITAL].id}", f"call-{calls[HORIZON].id}"} <= regional
    assert f"call-{unmatched.id}" not in regional
    assert all(uid.endswith(f"-{people['staff'].id}@hame-funding-radar") for uid in mine)
    # a deactivated staff member's addresses stop working with the account
    user = session.get(User, people["staff"].id)
    user.active = False
    session.add(user)
    session.commit()
    assert app.test_client().get(staff).status_code == 404


def _applications_to_real_calls(session, settings, people):
    """The member marks HORIZON applied on a two-stage LIFE call's day (which starts an
    application at "preparing"); LIFE is submitted; one typed in by hand; DIGITAL marked
    relevant; the other organisation's HORIZON application. Staff are responsible for three."""
    life, stored = _marked(session, settings, people, {HORIZON: "applied", DIGITAL: "relevant"})
    actor, other, staff = people["actor"], people["other_actor"], people["staff"]
    now = utcnow()
    horizon = session.exec(select(Application)).one()
    update_application(session, horizon, {"staff_id": staff.id}, user_id=staff.id, now=now)

    def started(actor_id, values, stage="idea"):
        return create_application(session, actor_id, values, user_id=staff.id, now=now, stage=stage)

    applied = {
        "horizon": horizon,
        "life": started(actor.id, {"call_id": stored[LIFE].id, "staff_id": staff.id}, "submitted"),
        "typed": started(
            actor.id, {"call_title": "Hämeen maakuntaohjelma", "call_deadline": date(2026, 11, 30)}
        ),
        "other": started(other.id, {"call_id": stored[HORIZON].id, "staff_id": staff.id}),
    }
    session.commit()
    return life, stored, applied


def test_applications_are_in_the_actors_and_the_staff_calendars_and_follow_their_calls(
    app, client, session, settings, people
):
    life, stored, applied = _applications_to_real_calls(session, settings, people)
    actor, staff = people["actor"], people["staff"]
    sign_in(client, "member@kone.example")
    own = _make_feed(client, f"/actors/{actor.id}/calendar", f"/actors/{actor.id}")
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "staff@hameenliitto.example")
    english = {"locale": "en", "next": "/about", "csrf_token": csrf(client, "/about")}
    client.post("/language", data=english)  # the staff member's feed in English
    responsible = _make_feed(client, "/account/calendars/staff", "/account")

    def keys(events):
        return {uid.split(".")[0] for uid in events}

    ids = {name: application.id for name, application in applied.items()}
    events = _events(app, own)
    # HORIZON, marked applied, is its application and not a shortlisted call besides
    assert keys(events) == {
        f"application-{ids['horizon']}",
        f"application-{ids['life']}",
        f"application-{ids['typed']}",
        f"call-{stored[DIGITAL].id}",
    }
    stage_2 = f"application-{ids['life']}.stage-2.actor-{actor.id}@hame-funding-radar"
    life_title = stored[LIFE].title
    assert events[stage_2]["summary"] == (
        f"Vaihe 2: {life_title} (hakemus: {actor.name}, vaihe: Jätetty)"
    )
    typed = events[f"application-{ids['typed']}.deadline.actor-{actor.id}@hame-funding-radar"]
    assert typed["start"] == date(2026, 11, 30) and typed["alarms"] == [-timedelta(days=7)]
    assert all(e["alarms"] == [-timedelta(days=7)] for e in events.values())

    theirs = _events(app, responsible)
    assert keys(theirs) == {
        f"application-{ids['horizon']}",
        f"application-{ids['life']}",
        f"application-{ids['other']}",
    }
    staff_stage_2 = stage_2.replace(f"actor-{actor.id}", f"staff-{staff.id}")
    assert theirs[staff_stage_2]["summary"] == (
        f"Stage 2: {life_title} (application of {actor.name}, Submitted)"
    )

    # the source moves stage 2: the same events, on the new day
    _move_stage_2(session, life)
    brussels = ZoneInfo("Europe/Brussels")
    for path, uid, before in ((own, stage_2, events), (responsible, staff_stage_2, theirs)):
        after = _events(app, path)
        assert set(after) == set(before)
        assert before[uid]["start"] == datetime(2025, 3, 6, 17, 0, tzinfo=brussels)
        assert after[uid]["start"] == datetime(2025, 4, 10, 17, 0, tzinfo=brussels)
        stage_1 = uid.replace("stage-2", "stage-1")
        assert after[stage_1]["start"] == before[stage_1]["start"]


def test_decided_applications_leave_the_calendars(app, client, session, settings, people):
    _life, stored, applied = _applications_to_real_calls(session, settings, people)
    actor, staff = people["actor"], people["staff"]
    horizon, life = applied["horizon"], applied["life"]
    move(session, horizon, "withdrawn", user_id=staff.id, now=utcnow(), reason="no_capacity")
    for stage in ("evaluation", "granted"):
        move(session, life, stage, user_id=staff.id, now=utcnow())
    digital = create_application(
        session, actor.id, {"call_id": stored[DIGITAL].id}, user_id=None, now=utcnow()
    )
    move(session, digital, "withdrawn", user_id=None, now=utcnow(), reason="low_fit")
    session.commit()
    sign_in(client, "member@kone.example")
    own = _make_feed(client, f"/actors/{actor.id}/calendar", f"/actors/{actor.id}")
    # the no-go on HORIZON does not bring its "applied" mark back, nor DIGITAL's "relevant"
    assert {uid.split(".")[0] for uid in _events(app, own)} == {
        f"application-{applied['typed'].id}"
    }
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "staff@hameenliitto.example")
    responsible = _make_feed(client, "/account/calendars/staff", "/account")
    assert {uid.split(".")[0] for uid in _events(app, responsible)} == {
        f"application-{applied['other'].id}"
    }
