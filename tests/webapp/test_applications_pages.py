"""The applications pages: start one from a call, edit it, move it on the board, its history in
both languages, a moved deadline shown, and who may see what; both engines."""

import dataclasses
from datetime import UTC, date, datetime

from bs4 import BeautifulSoup
from sqlmodel import select

from scrapers.record import Deadline
from tests.language import problems_of
from tests.tracker.helpers import sedia_records
from tests.webapp.conftest import csrf, post_verdict, rescore, sign_in
from tracker.applications import create_application
from tracker.ingest import ingest
from tracker.models import Application, ApplicationEvent, utcnow

TOPIC = "HORIZON-CL5-2026-09-D4-03"


def start(client, call, **fields):
    """Start an application from the call's page, as the page's link and form do."""
    form = f"/applications/new?call_id={call.id}"
    data = {"csrf_token": csrf(client, form), "call_identifier": call.identifier, "role": "partner"}
    return client.post(form, data={**data, **fields})


def move_to(client, application_id, stage, **fields):
    token = csrf(client, f"/applications/{application_id}")
    data = {"csrf_token": token, "stage": stage, "next": "/applications/board", **fields}
    return client.post(f"/applications/{application_id}/stage", data=data)


def test_a_member_starts_edits_and_moves_an_application(client, session, people, calls):
    sign_in(client, "member@kone.example")
    page = client.get(f"/calls/{calls[TOPIC].id}").get_data(as_text=True)
    assert f"/applications/new?call_id={calls[TOPIC].id}" in page
    answer = start(
        client,
        calls[TOPIC],
        requested_eur="350000",
        partners="Tampere University; FI; koordinaattori\nVTT; FI",
        links="https://example.org/budget.xlsx",
    )
    assert answer.status_code == 302
    application = session.exec(select(Application)).one()
    assert (application.actor_id, application.call_id) == (people["actor"].id, calls[TOPIC].id)
    assert [p["role"] for p in application.partners] == ["coordinator", "partner"]
    shown = client.get(answer.location).get_data(as_text=True)
    assert calls[TOPIC].title in shown and "350\xa0000\xa0€" in shown
    assert problems_of(shown, "fi") == []
    # From the board: to the decision, then to preparing, each a button.
    for stage in ("decision", "preparing"):
        answer = move_to(client, application.id, stage)
        assert answer.status_code == 302 and answer.location == "/applications/board"
    board = client.get("/applications/board").get_data(as_text=True)
    assert "Siirretty vaiheeseen “Valmistelussa”." in board
    session.refresh(application)
    assert application.stage == "preparing"


def test_a_no_go_without_a_reason_is_refused_on_the_page(client, session, people, calls):
    sign_in(client, "member@kone.example")
    start(client, calls[TOPIC])
    application = session.exec(select(Application)).one()
    move_to(client, application.id, "decision")
    answer = move_to(client, application.id, "withdrawn")
    assert answer.status_code == 400
    assert "Valitse syy listalta." in answer.get_data(as_text=True)
    answer = move_to(
        client, application.id, "withdrawn", reason="no_capacity", reason_text="Kiireinen syksy."
    )
    assert answer.status_code == 302
    shown = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Syy: Ei kapasiteettia." in shown and "Kiireinen syksy." in shown
    assert problems_of(shown, "fi") == []


def test_the_history_and_a_moved_deadline_in_both_languages(client, session, people, calls):
    sign_in(client, "member@kone.example")
    start(client, calls[TOPIC], requested_eur="100000")
    application = session.exec(select(Application)).one()
    move_to(client, application.id, "decision")
    # The source moves the topic's deadline, as a later run of the search would.
    target = next(r for r in sedia_records() if r.identifier == TOPIC)
    moved = dataclasses.replace(target, deadlines=(Deadline(date(2026, 11, 17)),))
    later = datetime.now(UTC)
    ingest(session, [moved], priority=["ft_search"], today=later.date(), now=later)
    session.commit()
    finnish = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Määräaika siirtyi: 15.9.2026 → 17.11.2026." in finnish
    assert "Siirretty vaiheesta “Idea” vaiheeseen “Go / no-go -päätös”." in finnish
    assert "member@kone.example" in finnish
    assert problems_of(finnish, "fi") == []
    client.post("/language", data={"locale": "en", "csrf_token": csrf(client, "/")})
    english = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "The deadline moved from 15 Sept 2026 to 17 Nov 2026." in english
    assert "Moved from “Idea” to “Go / no-go decision”." in english
    assert problems_of(english, "en") == []
    for path in ("/applications/", "/applications/board", f"/applications/{application.id}/edit"):
        assert problems_of(client.get(path).get_data(as_text=True), "en") == [], path


def test_members_reach_only_their_own_organisations_applications(client, session, people, calls):
    sign_in(client, "other@ruoka.example")
    start(client, calls[TOPIC])
    theirs = session.exec(select(Application)).one()
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    sign_in(client, "member@kone.example")
    for path in (f"/applications/{theirs.id}", f"/applications/{theirs.id}/edit"):
        assert client.get(path).status_code == 403, path
    assert move_to(client, theirs.id, "decision").status_code == 403
    assert calls[TOPIC].title not in client.get("/applications/").get_data(as_text=True)
    assert calls[TOPIC].title not in client.get("/applications/board").get_data(as_text=True)
    assert session.get(Application, theirs.id).stage == "idea"
    # Staff see and move every organisation's applications.
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    sign_in(client, "staff@hameenliitto.example")
    table = client.get(f"/applications/?actor_id={people['other_actor'].id}")
    assert calls[TOPIC].title in table.get_data(as_text=True)
    assert move_to(client, theirs.id, "decision").status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in_and_forms_need_csrf(
    client, session, people, calls
):
    assert client.get("/applications/").status_code == 302
    sign_in(client, "member@kone.example")
    answer = client.post("/applications/new", data={"call_identifier": calls[TOPIC].identifier})
    assert answer.status_code == 400
    assert session.exec(select(Application)).all() == []


def test_a_document_link_must_be_a_web_address(client, session, people, calls):
    sign_in(client, "member@kone.example")
    answer = start(client, calls[TOPIC], links="javascript:alert(1)")
    assert answer.status_code == 400
    assert "Yksi http- tai https-osoite riviä kohden." in answer.get_data(as_text=True)
    assert session.exec(select(Application)).all() == []


def test_the_applied_verdict_starts_an_application_shown_on_the_match(
    client, session, signed_in_with_matches
):
    actor_id, _scores, best = signed_in_with_matches
    token = csrf(client, f"/actors/{actor_id}/matches")
    post_verdict(client, actor_id, best, "applied", token)
    post_verdict(client, actor_id, best, "applied", token)  # once only
    application = session.exec(select(Application)).one()
    assert (application.call_id, application.stage) == (best, "preparing")
    page = client.get(f"/actors/{actor_id}/matches").get_data(as_text=True)
    assert f'href="/applications/{application.id}"' in page
    assert session.exec(select(ApplicationEvent.kind)).all() == ["created"]
    assert application.staff_id is None  # a member of the organisation marked it


def test_a_staff_member_who_marks_a_match_applied_is_responsible_for_the_application(
    client, session, settings, people, calls
):
    actor_id = people["actor"].id
    best = rescore(session, settings, people["actor"])[0].call_id  # best first
    sign_in(client, "staff@hameenliitto.example")
    post_verdict(client, actor_id, best, "applied", csrf(client, f"/actors/{actor_id}/matches"))
    application = session.exec(select(Application)).one()
    assert application.staff_id == people["staff"].id
    page = BeautifulSoup(client.get(f"/applications/{application.id}").data, "html.parser")
    responsible = page.find("dt", string="Vastuuhenkilö").find_next_sibling("dd")
    assert responsible.get_text() == "staff@hameenliitto.example"


def test_the_table_shows_a_page_at_a_time_with_its_filters(
    client, session, settings, people, calls
):
    settings.web.page_size = 2
    for call in list(calls.values())[:3]:
        values = {"call_id": call.id}
        create_application(session, people["actor"].id, values, user_id=None, now=utcnow())
    session.commit()
    sign_in(client, "staff@hameenliitto.example")

    def shown(path):
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        links = [a["href"] for a in soup.select("tbody a")]
        following = soup.select_one('a[rel="next"]')
        return soup.select_one(".count").get_text(), links, following and following["href"]

    count, first, following = shown("/applications/?stage=idea")
    assert count.endswith("3") and len(first) == 2
    assert "stage=idea" in following and "page=2" in following
    count, second, following = shown(following)
    assert count.endswith("3") and len(second) == 1 and following is None
    past = BeautifulSoup(client.get("/applications/?stage=idea&page=9").data, "html.parser")
    assert past.select_one(".count").get_text().endswith("3") and not past.select("tbody")
    assert "No applications." not in past.get_text()
    last = past.select_one(".pager a")
    assert "stage=idea" in last["href"] and "page=2" in last["href"]
    every = session.exec(select(Application.id)).all()
    assert sorted(first + second) == sorted(f"/applications/{i}" for i in every)


def test_a_new_programme_is_offered_in_the_filters_at_once(client, session, people, calls):
    """The filters' choices are kept by the worker until applications, calls or organisations
    change: an application started on the page is offered on the next one."""
    sign_in(client, "staff@hameenliitto.example")
    assert ">AKKE</option>" not in client.get("/applications/").get_data(as_text=True)
    data = {
        "csrf_token": csrf(client, "/applications/new"),
        "actor_id": people["actor"].id,
        "call_title": "Kanta-Hämeen maakuntaohjelma",
        "call_programme": "AKKE",
        "role": "partner",
    }
    assert client.post("/applications/new", data=data).status_code == 302
    assert ">AKKE</option>" in client.get("/applications/").get_data(as_text=True)
