"""The calls page and the API searching words and identifiers, and the eligibility filter telling
how many calls it kept whose eligibility no source states: on the real recorded F&T calls (in
English) and the real Haeavustuksia state grant (in Finnish), in both languages of the pages."""

from datetime import date

import pytest

from scrapers.haeavustuksia import Haeavustuksia
from tests.conftest import FIXTURES
from tests.tracker.helpers import parse_file
from tests.webapp.conftest import sign_in
from tracker.accounts import issue_api_token
from tracker.ingest import ingest
from tracker.models import utcnow
from tracker.search import CallQuery, Organisation, search_calls

STATE_GRANTS = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"
STATE_GRANT = "va-lou-2026-5"  # "Yksityisteiden valtionavustukset", eligibility: Finland


@pytest.fixture
def state_grant(session, calls):
    """The F&T calls of `calls` and the state grant of Haeavustuksia."""
    records = parse_file(Haeavustuksia(Haeavustuksia.Settings()), STATE_GRANTS)
    ingest(session, records, priority=["haeavustuksia"], today=date.today(), now=utcnow())
    session.commit()


def listed(page: str) -> list[str]:
    return [i for i in ("Yksityisteiden valtionavustukset", "HORIZON-CL6") if i in page]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Searched in Finnish and English: valtionavustus → state aid, government grant"),
        ("fi", "Haettu suomeksi ja englanniksi: valtionavustus → state aid, government grant"),
    ],
)
def test_a_finnish_word_is_searched_in_both_languages_and_the_page_says_so(
    client, state_grant, lang, said
):
    client.set_cookie("lang", lang)
    page = client.get("/?q=valtionavustus&status=").get_data(as_text=True)
    assert said in page
    assert "Yksityisteiden valtionavustukset" in page
    english = client.get("/?q=road+grant&status=").get_data(as_text=True)
    assert "Yksityisteiden valtionavustukset" in english  # an English query, a Finnish call
    assert ("Searched in English and Finnish" if lang == "en" else "Haettu englanniksi") in english


def test_an_identifier_is_searched_by_its_start_and_named_no_language(client, session, calls):
    client.set_cookie("lang", "en")
    page = client.get("/?q=horizon-cl5-2026&status=&sort=relevance").get_data(as_text=True)
    starting = sorted(i for i in calls if i.lower().startswith("horizon-cl5-2026"))
    assert starting and all(identifier in page for identifier in starting)
    assert not [i for i in calls if i not in starting and f"<small>{i}" in page]
    assert "Searched in" not in page


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Nothing to search for in “{}”: the list holds every call the other filters keep."),
        ("fi", "Tekstissä ”{}” ei ole haettavaa: luettelossa ovat kaikki haut, jotka muut"
         " suodattimet jättävät."),
    ],
)  # fmt: skip
def test_a_text_with_nothing_to_search_for_is_named_and_the_filters_alone_list(
    client, session, people, calls, lang, said
):
    client.set_cookie("lang", lang)
    every = search_calls(session, CallQuery(status="", page_size=200), date.today()).total
    for text, sent in (("%_", "%25_"), ("the", "the")):
        page = client.get(f"/?q={sent}&status=").get_data(as_text=True)
        assert said.format(text) in page
        assert f"{every} {'calls found' if lang == 'en' else 'hakua löytyi'}" in page
    assert '<p class="searched-in">' not in client.get("/?q=HORIZON-CL6&status=").get_data(
        as_text=True
    )
    token = issue_api_token(session, people["member"])
    session.commit()
    data = client.get(
        "/api/calls?q=%25_&status=", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert (data["unsearched"], data["total"]) == ("%_", every)
    found = client.get(
        "/api/calls?q=kiertotalous&status=", headers={"Authorization": f"Bearer {token}"}
    )
    assert found.get_json()["unsearched"] == ""


def test_the_api_searches_as_the_page_does(client, session, people, state_grant):
    token = issue_api_token(session, people["member"])
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for text in ("kiertotalous", "valtionavustus", "HORIZON-CL6-2027"):
        data = client.get(f"/api/calls?q={text}&status=&page_size=200", headers=headers).get_json()
        page = search_calls(session, CallQuery(text=text, status="", page_size=200), date.today())
        assert [c["id"] for c in data["calls"]] == [r.call.id for r in page.rows], text
        assert data["total"] == page.total > 0


@pytest.mark.parametrize(
    ("lang", "line", "marker"),
    [
        ("en", "The filter kept {} calls whose eligibility no source states.", "eligibility not stated"),
        ("fi", "Suodatin jätti mukaan {} hakua, joiden kelpoisuutta mikään lähde ei kerro.",
         "kelpoisuutta ei kerrota"),
    ],
)  # fmt: skip
def test_the_eligibility_filter_tells_how_many_calls_it_kept_unstated(
    client, session, people, state_grant, lang, line, marker
):
    """The F&T calls state no eligibility: the filter keeps them (nothing restricts them) and
    says so; the state grant states Finland, which admits the member's organisation."""
    people["member"].locale = lang  # a signed-in user's own choice
    session.add(people["member"])
    session.commit()
    sign_in(client, "member@kone.example")
    page = client.get("/?eligible=y&status=&page_size=200").get_data(as_text=True)
    actor = people["actor"]
    who = Organisation(actor.country, actor.nuts3, actor.organisation_type)
    found = search_calls(
        session, CallQuery(eligible_for=who, status="", page_size=200), date.today()
    )
    unstated = [r.call.identifier for r in found.rows if not r.eligibility_stated]
    assert [r.call.identifier for r in found.rows if r.eligibility_stated] == [STATE_GRANT]
    assert found.unstated == len(unstated) == found.total - 1 > 0
    assert line.format(found.unstated) in page
    assert page.count(marker) == found.unstated
    unfiltered = client.get("/?status=&page_size=200").get_data(as_text=True)
    assert line.format(found.unstated) not in unfiltered and marker not in unfiltered
