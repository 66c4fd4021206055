"""Bounds of what people send: filters out of range, profile limits, NUL characters; alike on
SQLite and PostgreSQL, and never a server error."""

from __future__ import annotations

import pytest

from tests.webapp.conftest import csrf, sign_in
from tests.webapp.test_actors_and_matches import PROFILE
from tracker.accounts import issue_api_token
from tracker.models import LARGEST_AMOUNT, PROFILE_LIST_ITEMS, PROFILE_TEXT_CHARS, Actor

# (parameter, value, its label on the calls page in English and in Finnish)
OUT_OF_RANGE = [
    ("budget_min", "1e30", "Budget from (EUR)", "Budjetti vähintään (EUR)"),
    ("budget_min", str(10**30), "Budget from (EUR)", "Budjetti vähintään (EUR)"),
    ("budget_max", str(LARGEST_AMOUNT + 1), "Budget up to (EUR)", "Budjetti enintään (EUR)"),
    ("budget_max", "-1", "Budget up to (EUR)", "Budjetti enintään (EUR)"),
    ("page", "-1", "Page", "Sivu"),
    ("page", str(10**30), "Page", "Sivu"),
    ("page_size", "0", "Calls per page", "Hakuja sivulla"),
    ("deadline_from", "2026-13-01", "Next deadline from", "Seuraava määräaika alkaen"),
]


def test_filters_out_of_range_are_a_400_naming_the_field(client, session, people, calls):
    token = {"Authorization": f"Bearer {issue_api_token(session, people['member'])}"}
    session.commit()
    for name, value, english, finnish in OUT_OF_RANGE:
        client.set_cookie("lang", "en")
        page = client.get(f"/?{name}={value}")
        assert page.status_code == 400, (name, value)
        text = page.get_data(as_text=True)
        assert "These filters were not understood" in text and f"<li>{english}: " in text
        client.set_cookie("lang", "fi")
        assert f"<li>{finnish}: " in client.get(f"/?{name}={value}").get_data(as_text=True)
        api = client.get(f"/api/calls?{name}={value}", headers=token)
        assert api.status_code == 400 and api.mimetype == "application/problem+json"
        problem = api.get_json()
        assert problem["status"] == 400 and [e["field"] for e in problem["errors"]] == [name]
        assert name in problem["detail"]
    # An amount out of range is refused in words, not by naming the column's limit.
    client.set_cookie("lang", "en")
    too_large = client.get(f"/?budget_max={LARGEST_AMOUNT + 1}").get_data(as_text=True)
    assert "No budget is that large." in too_large and str(LARGEST_AMOUNT) not in too_large
    client.set_cookie("lang", "fi")
    below = client.get("/?budget_min=-1").get_data(as_text=True)
    assert "Summa ei voi olla negatiivinen." in below
    # The largest amount a column holds is a filter like any other: no call is that rich.
    within = client.get(f"/api/calls?budget_min={LARGEST_AMOUNT}&page_size=200", headers=token)
    assert within.status_code == 200 and within.get_json()["total"] == 0
    assert client.get(f"/?budget_min={LARGEST_AMOUNT}&page=2").status_code == 200


def test_a_page_of_matches_out_of_range_is_a_400(client, people):
    sign_in(client, "member@kone.example")
    url = f"/actors/{people['actor'].id}/matches"
    assert client.get(f"{url}?page=2").status_code == 200
    for page in ("0", "-1", str(10**30), "x"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 400 and "Sivu" in response.get_data(as_text=True)


def _post_profile(client, people, **changes):
    sign_in(client, "member@kone.example")
    url = f"/actors/{people['actor'].id}/edit"
    return client.post(url, data={**PROFILE, **changes, "csrf_token": csrf(client, url)})


@pytest.mark.parametrize(
    "field, value, finnish",
    [
        (
            "keywords",
            ", ".join(f"avainsana {n}" for n in range(PROFILE_LIST_ITEMS + 1)),
            f"Enintään {PROFILE_LIST_ITEMS} kohtaa",
        ),
        ("keywords", "robotiikka, " + "k" * 101, "Enintään 100 merkkiä kohtaa kohden"),
        ("programmes", ", ".join(f"P{n}" for n in range(51)), "Enintään 50 kohtaa"),
        ("contacts", "\n".join(f"Henkilö {n}; h{n}@kone.example" for n in range(21)), "20"),
        ("industry_codes", "\n".join(f"{62010 + n} TOL2008" for n in range(21)), "20"),
        ("industry_codes", "620100 TOL2008", "Yksi koodi riville"),
        ("description", "x" * (PROFILE_TEXT_CHARS + 1), str(PROFILE_TEXT_CHARS)),
        ("budget_max_eur", str(10**30), "Niin suurta budjettia ei ole."),
        ("name", "N" * 301, "300"),
    ],
)
def test_profile_limits_are_shown_with_the_field(client, session, people, field, value, finnish):
    response = _post_profile(client, people, **{field: value})
    assert response.status_code == 200  # the form again, nothing saved
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert finnish in error
    session.expire_all()
    unchanged = session.get(Actor, people["actor"].id)
    assert unchanged.description == "Digital skills, chips and internships for students."


def test_nul_characters_are_removed_from_forms_and_queries(client, session, people, calls):
    response = _post_profile(
        client, people, name="Hämeen\x00 Kone Oy", description="Robotit\x00 lajittelevat."
    )
    assert response.status_code == 302  # stored on PostgreSQL too, which refuses NUL in text
    session.expire_all()
    actor = session.get(Actor, people["actor"].id)
    assert (actor.name, actor.description) == ("Hämeen Kone Oy", "Robotit lajittelevat.")
    assert actor.keywords == ["robotics", "recycling"]
    page = client.get("/?q=DIGITAL%00")
    assert page.status_code == 200 and 'value="DIGITAL"' in page.get_data(as_text=True)


def test_an_address_longer_than_any_account_is_refused_not_stored(client, people):
    response = client.post(
        "/login",
        data={
            "email": "x" * 400 + "@kone.example",
            "password": "wrong",
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 200 and 'id="email-error"' in response.get_data(as_text=True)
