"""A call's page suggests partners from CORDIS, the reader's own past partners first; the staff
overview shows the region's direct EU funding before the service. Finnish and English."""

import re
from collections import defaultdict

import pytest
from babel import Locale
from bs4 import BeautifulSoup
from sqlmodel import select

from tests.tracker.test_cordis import ORGANISATIONS, TOPICS
from tests.tracker.test_partners import BIODIV, HAMK, in_biodiv, ranked, read
from tests.webapp.conftest import PASSWORD, csrf, sign_in
from tracker.accounts import create_user
from tracker.cordis import import_cordis
from tracker.models import Actor


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


def test_the_staff_overview_shows_the_regions_direct_eu_funding(client, region):
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
        soup = BeautifulSoup(client.get("/staff/").get_data(as_text=True), "html.parser")
        heading = soup.find(id="baseline")
        assert title in heading.get_text()
        table = heading.find_next("table")
        foot = [" ".join(c.stripped_strings) for c in table.tfoot.find_all(["th", "td"])]
        amount = f"{euros:,}".replace(",", "\xa0" if lang == "fi" else ",")
        assert foot == [total, f"{amount}\xa0€", str(len(rows)), str(len(rows))]
        assert len(table.tbody.find_all("tr")) == len(groups)
