"""Explanations told on the day they are read, in the reader's language; themes chosen from the
configured list and shown by name."""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import command
from babel import dates
from bs4 import BeautifulSoup
from sqlmodel import select

from matcher.text import tokens
from tests.webapp.conftest import csrf, rescore, sign_in
from tests.webapp.test_feedback_path import dismiss_from_page
from tracker.accounts import issue_api_token
from tracker.db import alembic_config, migrate
from tracker.models import Actor, CallTheme, Match

FOOD_THEME_FI = "Kestävän ruokajärjestelmän edelläkävijämaakunta"
FOOD_THEME_EN = "A pioneering region in a sustainable food system"


def row_text(client, actor_id, call_id):
    page = client.get(f"/actors/{actor_id}/matches")
    row = BeautifulSoup(page.data, "html.parser").select_one(f"#match-{call_id}")
    return row.get_text(" ", strip=True) if row else ""


def test_a_dismissal_shows_as_a_negative_share_of_similar_calls(
    client, session, signed_in_with_matches
):
    actor_id, _before, dismissed = signed_in_with_matches
    dismiss_from_page(client, actor_id, dismissed, "topic")
    session.expire_all()
    rows = session.exec(select(Match).where(Match.actor_id == actor_id)).all()
    pushed = [m for m in rows if round(m.evidence["points"].get("feedback", 0)) < 0]
    assert pushed, "a topic dismissal must push similar calls down"
    lost = -round(pushed[0].evidence["points"]["feedback"])
    assert f"palaute \u2212{lost}\u00a0%" in row_text(client, actor_id, pushed[0].call_id)


def test_days_left_are_counted_when_the_page_is_read(
    client, session, settings, monkeypatch, signed_in_with_matches
):
    actor_id, _before, best = signed_in_with_matches
    stored = session.exec(select(Match).where(Match.call_id == best)).first()
    deadline = stored.evidence["deadline"]
    assert deadline
    today = settings.today()
    first = row_text(client, actor_id, best)
    monkeypatch.setattr(type(settings), "today", lambda self: today + timedelta(days=10))
    later = row_text(client, actor_id, best)
    left = (date.fromisoformat(deadline) - today).days
    assert f"Aikaa {left} päivää" in first
    assert f"Aikaa {left - 10} päivää" in later
    session.expire_all()
    assert session.exec(select(Match).where(Match.call_id == best)).first().evidence == (
        stored.evidence
    )  # the same stored row, told on two days


def test_dates_are_localised_in_both_languages(client, session, settings, people, calls):
    matches = rescore(session, settings, people["actor"])
    day = date.fromisoformat(matches[0].evidence["deadline"])
    sign_in(client, "staff@hameenliitto.example")  # the staff page of the call: Finnish
    page_fi = client.get(f"/calls/{matches[0].call_id}").get_data(as_text=True)
    month = dates.format_date(day, "MMMM", locale="fi")  # "syyskuuta"
    assert f"(määräaika {day.day}. {month} {day.year})" in page_fi
    token = issue_api_token(session, people["member"])
    session.commit()
    api = client.get(
        f"/api/actors/{people['actor'].id}/matches", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    told = next(m for m in api["matches"] if m["call"]["id"] == matches[0].call_id)
    assert f"(deadline {day.day} {day.strftime('%B')} {day.year})." in told["explanation_en"]
    assert f"(määräaika {day.day}. {month} {day.year})." in told["explanation_fi"]


def test_a_finnish_profile_sees_its_own_words(client, session, settings, people, calls):
    actor = people["actor"]
    actor.description = (
        "Kehitämme puolijohteiden ja mikrosirujen suunnittelua sekä digitaalisia taitoja. "
        "Tarjoamme opiskelijoille harjoittelupaikkoja ja stipendejä."
    )
    actor.keywords = ["puolijohteet", "harjoittelu", "digitaidot"]
    session.add(actor)
    session.commit()
    matches = rescore(session, settings, actor)
    words = {w for m in matches for w in m.evidence["words"]}
    assert words
    own = " ".join(tokens(actor.description + " " + " ".join(actor.keywords)))
    assert all(word[:4] in own for word in words), words  # base forms of the profile's words
    assert not words & {"semiconductor", "internship", "digital"}  # not the calls' English


def test_themes_are_chosen_from_the_list_and_an_unknown_one_is_refused(client, session, people):
    sign_in(client, "member@kone.example")
    actor_id = people["actor"].id
    url = f"/actors/{actor_id}/edit"
    form = BeautifulSoup(client.get(url).data, "html.parser")
    boxes = {b["value"]: b for b in form.select("input[type=checkbox][name=themes]")}
    assert set(boxes) == {"circular_economy", "food_system", "smart_services", "design"}
    assert FOOD_THEME_FI in form.get_text()  # named, in the reader's language
    data = {"name": "Hämeen Kone Oy", "country": "FI", "organisation_type": "small"}
    data |= {"preferred_role": "either", "municipality": "", "csrf_token": csrf(client, url)}
    refused = client.post(url, data={**data, "themes": ["food_system", "smart_production"]})
    assert refused.status_code == 200
    error = BeautifulSoup(refused.data, "html.parser").select_one("#themes-error").get_text()
    assert "smart_production" in error and "Tuntematon teema" in error
    session.expire_all()
    assert session.get(Actor, actor_id).themes == []
    saved = client.post(url, data={**data, "themes": ["food_system"]})
    assert saved.status_code == 302
    profile = BeautifulSoup(client.get(f"/actors/{actor_id}").data, "html.parser").get_text()
    assert FOOD_THEME_FI in profile and "food_system" not in profile
    assert "Kumpi tahansa" in profile and "ei annettu" in profile and "– – –" not in profile


def test_calls_filter_and_call_page_show_theme_names(client, session, calls):
    call = calls["HORIZON-CL5-2026-09-D4-03"]
    session.add(CallTheme(call_id=call.id, theme="food_system", score=0.9))
    session.commit()
    client.set_cookie("lang", "en")
    page = BeautifulSoup(client.get("/?theme=food_system").data, "html.parser")
    options = {o["value"]: o.get_text() for o in page.select("select[name=theme] option")}
    assert options["food_system"] == FOOD_THEME_EN
    assert "food_system" not in page.select_one("main").get_text()
    assert FOOD_THEME_EN in page.select_one("main").get_text()
    unknown = client.get("/?theme=smart_production")
    error = BeautifulSoup(unknown.data, "html.parser").select_one("#theme-error").get_text()
    assert "Unknown theme: smart_production" in error
    client.set_cookie("lang", "fi")
    shown = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert FOOD_THEME_FI in shown and "food_system" not in shown


def test_the_migration_replaces_stored_prose_by_evidence(engine, session, people, calls):
    """A row stored with the old prose columns survives the upgrade with empty evidence."""
    command.downgrade(alembic_config(engine), "0006")
    call = calls["FSTP-11143"]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO match (actor_id, call_id, score, components, explanation_fi, "
                "explanation_en, call_hash, computed_at) VALUES (:a, :c, 55.0, :comp, "
                "'Aikaa 30 päivää.', '30 days left.', '', CURRENT_TIMESTAMP)"
            ),
            {"a": people["actor"].id, "c": call.id, "comp": '{"text": 0.5}'},
        )
    migrate(engine)
    session.expire_all()
    row = session.exec(select(Match)).one()
    assert (row.score, row.components, row.evidence) == (55.0, {"text": 0.5}, {})
    columns = {c["name"] for c in sa.inspect(engine).get_columns("match")}
    assert "evidence" in columns and "explanation_en" not in columns
