"""The regional dashboard page: staff only, each chart drawing the numbers of the table beside
it, in Finnish and in English, with the CORDIS baseline moved from the staff overview."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from tests.tracker.test_cordis import ORGANISATIONS, TOPICS
from tests.tracker.test_dashboard import TODAY, hand_made
from tests.tracker.test_partners import read
from tests.webapp.conftest import csrf, sign_in
from tests.webapp.test_applications_pages import move_to
from tests.webapp.test_partners_page import choose_language
from tracker.cordis import import_cordis
from tracker.models import Actor, Application

PAGE = "/staff/dashboard/"


@pytest.fixture
def region(session, people, settings, monkeypatch):
    """The hand-made applications of tests/tracker/test_dashboard.py and the real CORDIS file,
    seen on the day those tests take."""
    monkeypatch.setattr(settings, "today", lambda: TODAY)
    hamk = Actor(name="Hämeen ammattikorkeakoulu")
    session.add(hamk)
    session.flush()
    hand_made(session, people["actor"], people["other_actor"], hamk)
    import_cordis(session, ORGANISATIONS, region="FI1C2", topics=TOPICS)
    session.commit()


def texts(cells) -> list[str]:
    return [" ".join(cell.stripped_strings) for cell in cells]


def test_only_staff_see_the_dashboard(client, people):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    sign_in(client, "member@kone.example")
    assert client.get(PAGE).status_code == 403
    assert PAGE not in client.get("/about").get_data(as_text=True)  # no link in the menu
    for email in ("staff@hameenliitto.example", "admin@hameenliitto.example"):
        client.post("/logout", data={"csrf_token": csrf(client, "/about")})
        sign_in(client, email)
        assert client.get(PAGE).status_code == 200
        assert f'href="{PAGE}"' in client.get("/about").get_data(as_text=True)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_each_chart_draws_the_numbers_of_its_table(client, region, language):
    sign_in(client, "staff@hameenliitto.example")
    choose_language(client, language)
    soup = BeautifulSoup(client.get(PAGE).get_data(as_text=True), "html.parser")
    figures = soup.select("section.figure")
    assert len(figures) == 8
    for figure in figures:
        name = figure["aria-labelledby"]
        drawn = [
            (row.find("title").get_text(), [t.get_text() for t in row.select("text.value")])
            for row in figure.select("svg g.bar-row")
        ]
        table = figure.select_one(".chart-and-table table")
        tabled = [
            (" ".join(row.th.stripped_strings), texts(row.select("td.charted")))
            for row in table.tbody.find_all("tr")
        ]
        assert drawn == tabled, name
        assert drawn and all(values for _, values in drawn), name


def test_the_figures_read_in_both_languages(client, region):
    sign_in(client, "staff@hameenliitto.example")
    for language, rate, granted, heading in (
        ("fi", "67\xa0%", "1\xa0050\xa0000\xa0€", "Onnistumisaste"),
        ("en", "67%", "1,050,000\xa0€", "Success rate"),
    ):
        choose_language(client, language)
        soup = BeautifulSoup(client.get(PAGE).get_data(as_text=True), "html.parser")
        terms, values = texts(soup.select("#summary dt")), texts(soup.select("#summary dd"))
        summary = dict(zip(terms, values, strict=True))
        assert summary[heading] == rate
        assert granted in summary.values()  # 350,000 + 700,000, the two granted
        assert soup.html["lang"] == language


def test_the_baseline_moved_to_the_dashboard_with_a_link_from_the_overview(client, region):
    rows = [r for r in read(ORGANISATIONS) if r["nutsCode"].startswith("FI1C2")]
    euros = sum(round(float(r["ecContribution"] or 0)) for r in rows)
    sign_in(client, "staff@hameenliitto.example")
    choose_language(client, "en")
    overview = BeautifulSoup(client.get("/staff/").get_data(as_text=True), "html.parser")
    assert overview.select_one(f'a[href="{PAGE}#baseline"]') is not None
    assert overview.find("table", attrs={"aria-labelledby": "baseline"}) is None
    soup = BeautifulSoup(client.get(PAGE).get_data(as_text=True), "html.parser")
    beside = soup.find("table", attrs={"aria-labelledby": "baseline"})
    assert texts(beside.tfoot.find_all(["th", "td"])) == [
        "Total",
        f"{euros:,}\xa0€",
        "3,000,000\xa0€",  # requested by the submitted applications 1, 2, 3, 7 and 8
        "1,050,000\xa0€",
    ]


def test_a_change_shows_at_once(client, session, region):
    """Each worker keeps the figures until what they read changes: a move is seen at once."""
    sign_in(client, "staff@hameenliitto.example")
    choose_language(client, "en")

    def deciding() -> list[str]:
        soup = BeautifulSoup(client.get(PAGE).get_data(as_text=True), "html.parser")
        row = soup.find("table", attrs={"aria-labelledby": "stages"}).tbody.find_all("tr")[1]
        return texts(row.find_all(["th", "td"]))

    assert deciding() == ["Go / no-go decision", "0", "0\xa0€"]
    idea = session.exec(select(Application).where(Application.stage == "idea")).one()
    assert move_to(client, idea.id, "decision").status_code == 302
    assert deciding() == ["Go / no-go decision", "1", "60,000\xa0€"]
