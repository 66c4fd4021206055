"""A call's page suggests partners from CORDIS, the reader's own past partners first; the
regional dashboard shows the region's direct EU funding before the service. Finnish and
English."""

import re
from collections import defaultdict

import pytest
from babel import Locale
from bs4 import BeautifulSoup
from sqlmodel import select

from tests.language import problems_of
from tests.tracker.test_cordis import ORGANISATIONS, TOPICS
from tests.tracker.test_partners import BIODIV, HAMK, in_biodiv, ranked, read
from tests.webapp.conftest import PASSWORD, csrf, sign_in
from tracker.accounts import create_user
from tracker.applications import create_application
from tracker.cordis import import_cordis
from tracker.models import Actor, ApplicationEvent, utcnow


@pytest.fixture
def region(session, calls, people):
    """The real calls, the CORDIS file imported with its Kanta-Häme actors, a member of HAMK."""
    import_cordis(session, ORGANISATIONS, region="FI1C2", topics=TOPICS)
    hamk = session.exec(select(Actor).where(Actor.pic == HAMK)).one()
    create_user(session, "member@hamk.example", "member", actor_id=hamk.id, password=PASSWORD)
    session.commit()
    return calls[BIODIV], hamk


def choose_language(client, lang: str) -> None:
    """The language form of every page, as a signed-in user sends it."""
    token = csrf(client, "/about")
    client.post("/language", data={"locale": lang, "next": "/about", "csrf_token": token})


def partner_rows(response) -> list[list[str]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = soup.select("#partners tbody tr")
    return [[" ".join(cell.stripped_strings) for cell in row.find_all("td")] for row in rows]


def test_a_member_sees_the_partners_of_the_topic_series_its_own_first(client, region):
    call, hamk = region
    rows = read(ORGANISATIONS)
    topic_of = {r["projectID"]: r["topic"] for r in read(TOPICS)}
    own = {r["projectID"] for r in rows if r["organisationID"] == HAMK}
    past = {r["organisationID"] for r in rows if r["projectID"] in own} - {HAMK}
    order, counts = ranked(rows, topic_of, in_biodiv, first=past)
    names = defaultdict(set)
    for row in rows:
        names[row["organisationID"]].add(row["name"])
    first_past = [pic for pic in order if pic in past]
    sign_in(client, "member@hamk.example")
    for lang, words in (
        ("fi", ("Kumppaneita aiemmista hankkeista", "Kumppaninne aiemmassa hankkeessa")),
        ("en", ("Partners from earlier projects", "Your partner in an earlier project")),
    ):
        choose_language(client, lang)
        response = client.get(f"/calls/{call.id}")
        assert response.status_code == 200 and words[0] in response.get_data(as_text=True)
        shown = partner_rows(response)
        assert len(shown) == 25
        for cells, pic in zip(shown, order, strict=False):
            name = cells[0].removesuffix(f" {words[1]}")
            assert name in names[pic]
            assert cells[0].endswith(words[1]) == (pic in past)
            assert cells[3:] == [str(counts[pic][0]), str(counts[pic][1])]
        assert len(first_past) == sum(cells[0].endswith(words[1]) for cells in shown)
        first = next(r for r in rows if r["organisationID"] == order[0])
        assert shown[0][1] == Locale(lang).territories[first["country"]]
        assert shown[0][2] not in ("", first["activityType"])


def test_staff_choose_whose_past_partners_come_first(client, region):
    call, hamk = region
    sign_in(client, "staff@hameenliitto.example")
    choose_language(client, "en")
    plain = partner_rows(client.get(f"/calls/{call.id}"))
    chosen = partner_rows(client.get(f"/calls/{call.id}?partners_for={hamk.id}"))
    marked = f"Partner of {hamk.name} in an earlier project"
    assert not any(marked in cells[0] for cells in plain)
    assert chosen[0][0].endswith(marked) and chosen[0] != plain[0]


def test_the_dashboard_shows_the_regions_direct_eu_funding(client, region):
    rows = [r for r in read(ORGANISATIONS) if r["nutsCode"].startswith("FI1C2")]
    euros = sum(round(float(r["ecContribution"] or 0)) for r in rows)
    topic_of = {r["projectID"]: r["topic"] for r in read(TOPICS)}
    groups = {re.match(r"(.*?)-(20\d\d)-", topic_of[r["projectID"]]).groups() for r in rows}
    sign_in(client, "staff@hameenliitto.example")
    for lang, title, total in (
        ("fi", "Kanta-Hämeen organisaatioiden suora EU-rahoitus", "Yhteensä"),
        ("en", "Direct EU funding of Kanta-Häme organisations", "Total"),
    ):
        choose_language(client, lang)
        page = client.get("/staff/dashboard/").get_data(as_text=True)
        heading = BeautifulSoup(page, "html.parser").find(id="cordis")
        assert title in heading.get_text()
        table = heading.find_next("table")
        foot = [" ".join(c.stripped_strings) for c in table.tfoot.find_all(["th", "td"])]
        amount = f"{euros:,}".replace(",", "\xa0" if lang == "fi" else ",")
        assert foot == [total, f"{amount}\xa0€", str(len(rows)), str(len(rows))]
        assert len(table.tbody.find_all("tr")) == len(groups)


def _suggested(response) -> list[list[str]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = soup.select("#suggested-partners tbody tr")
    return [[" ".join(cell.stripped_strings) for cell in row.find_all("td")] for row in rows]


def test_an_application_suggests_partners_and_adds_one_to_its_consortium(client, session, region):
    call, hamk = region
    application = create_application(
        session, hamk.id, {"call_id": call.id}, user_id=None, now=utcnow(), stage="preparing"
    )
    session.commit()
    rows = read(ORGANISATIONS)
    topic_of = {r["projectID"]: r["topic"] for r in read(TOPICS)}
    own = {r["projectID"] for r in rows if r["organisationID"] == HAMK}
    past = {r["organisationID"] for r in rows if r["projectID"] in own} - {HAMK}
    order, counts = ranked(rows, topic_of, in_biodiv, first=past)
    page = f"/applications/{application.id}"
    sign_in(client, "member@hamk.example")
    for lang, mark, add in (
        ("fi", "Kumppaninne aiemmassa hankkeessa", "Lisää kumppaniksi"),
        ("en", "Your partner in an earlier project", "Add as a partner"),
    ):
        choose_language(client, lang)
        response = client.get(page)
        assert response.status_code == 200
        assert problems_of(response.get_data(as_text=True), lang) == []
        shown = _suggested(response)
        assert len(shown) == 25  # the call page's suggestions: the actor's past partners first
        assert [cells[0].endswith(mark) for cells in shown] == [p in past for p in order[:25]]
        assert [cells[3:5] for cells in shown] == [
            [str(counts[p][0]), str(counts[p][1])] for p in order[:25]
        ]
        assert {cells[5] for cells in shown} == {add}

    first = shown[0][0].removesuffix(f" {mark}")  # the name as the suggestion shows it
    country = {r["organisationID"]: r["country"] for r in rows}
    greek = next(pic for pic in order if country[pic] == "EL")  # CORDIS's code for Greece
    token = csrf(client, page)
    answer = client.post(f"{page}/partners", data={"pic": order[0], "csrf_token": token})
    assert answer.status_code == 302 and answer.location == f"{page}#partners"
    client.post(f"{page}/partners", data={"pic": greek, "csrf_token": token})
    session.refresh(application)
    added = [(p["name"], p["country"], p["role"], p["pic"]) for p in application.partners]
    assert added[0] == (first, country[order[0]], "partner", order[0])
    assert added[1][1:] == ("GR", "partner", greek)  # as ISO 3166 has it
    shown_now = client.get(page)
    assert _suggested(shown_now)[0][5] == "In the consortium"
    assert f"{first} is added to the consortium partners." in shown_now.get_data(as_text=True)
    # the same organisation again: nothing added, and the page says so
    again = client.post(f"{page}/partners", data={"pic": order[0], "csrf_token": token})
    assert "is a consortium partner already." in client.get(again.location).get_data(as_text=True)
    session.refresh(application)
    assert len(application.partners) == 2
    changes = session.exec(
        select(ApplicationEvent).where(ApplicationEvent.field_name == "partners")
    ).all()
    assert len(changes) == 2  # each addition in the history, by the member
    # without the form's token, an unknown PIC, another organisation's application
    assert client.post(f"{page}/partners", data={"pic": order[1]}).status_code == 400
    unknown = {"pic": "000000001", "csrf_token": token}
    assert client.post(f"{page}/partners", data=unknown).status_code == 404
    client.post("/logout", data={"csrf_token": csrf(client, "/account")})
    sign_in(client, "member@kone.example")
    token = csrf(client, "/account")
    other = {"pic": order[1], "csrf_token": token}
    assert client.post(f"{page}/partners", data=other).status_code == 403


def test_a_call_typed_in_by_hand_gets_no_suggestions_and_the_page_says_why(client, session, region):
    _call, hamk = region
    values = {"call_title": "Kanta-Hämeen maakuntaohjelma", "call_programme": "AKKE"}
    application = create_application(session, hamk.id, values, user_id=None, now=utcnow())
    session.commit()
    sign_in(client, "member@hamk.example")
    for lang, why in (
        ("fi", "Ei ehdotuksia: haku on kirjoitettu käsin"),
        ("en", "No suggestions: the call is typed in by hand"),
    ):
        choose_language(client, lang)
        shown = client.get(f"/applications/{application.id}").get_data(as_text=True)
        assert problems_of(shown, lang) == []
        section = BeautifulSoup(shown, "html.parser").find(id="suggested-partners")
        assert why in section.get_text() and section.find("table") is None
