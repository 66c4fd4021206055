"""What the pages say about money, new calls, changes and accounts, on `make run`'s data."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlmodel import Session, select

from tests.tracker.helpers import feed_records
from tests.webapp.conftest import EMAILS, csrf, sign_in
from tracker.changes import DERIVED
from tracker.merge import merge
from tracker.models import Call, User
from webapp.changes import FIELD_NAMES

WHOLE_CALL_TOPIC = "HORIZON-JU-CBE-2026-IA-05"  # the feed gives every CBE topic the call's total


def text_of(response) -> str:
    """The page's main text, spaces as spaces (amounts keep theirs unbroken)."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return " ".join(soup.main.stripped_strings).replace("\xa0", " ")


def test_a_call_page_tells_the_whole_call_from_the_topic(demo_site):
    app, engine, _ids = demo_site
    with Session(engine) as session:
        shared, alone = (
            session.exec(select(Call).where(Call.identifier == identifier)).one()
            for identifier in (WHOLE_CALL_TOPIC, "HORIZON-CL5-2026-09-D4-03")
        )
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert (
        "Budget of the whole call 170,760,699 € shared by this topic and 12 other topics of the "
        "call HORIZON-JU-CBE-2026 Grants of this topic 2 grants of 7,000,000 € each"
    ) in text_of(client.get(f"/calls/{shared.id}"))  # one grant size, said once
    assert (
        "Budget of this topic 15,750,000 € Grants of this topic 3 grants of 5,250,000 € each"
    ) in text_of(client.get(f"/calls/{alone.id}"))


def test_new_calls_this_week_count_the_list_they_link_to(demo_site):
    app, _engine, _ids = demo_site
    client = app.test_client()
    sign_in(client, EMAILS["staff"])
    overview = client.get("/staff/").get_data(as_text=True)
    # Every call was loaded just now: the page says why all of them are new.
    assert 'id="first-load"' in overview and "jokainen haku lasketaan uudeksi" in overview
    link = re.search(r'id="all-new" href="([^"]+)">Kaikki ([\d\xa0 ]+) uutta hakua<', overview)
    assert link, overview
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"{link.group(2)} hakua löytyi" in listed


def test_every_field_of_a_call_has_a_name_in_both_languages(demo_site):
    app, _engine, _ids = demo_site
    content, _origin = merge(feed_records()[:1], ["eu_grants_feed"])
    assert set(FIELD_NAMES) == set(content) - DERIVED | {"status"}
    with app.test_request_context():
        names = {}
        for language in ("fi", "en"):
            with force_locale(language):
                names[language] = {key: str(name) for key, name in FIELD_NAMES.items()}
    finnish, english = names["fi"], names["en"]
    assert all(finnish[key] != english[key] for key in FIELD_NAMES), finnish


def test_an_account_that_cannot_change_says_why_in_finnish(demo_site):
    app, engine, _ids = demo_site
    with Session(engine) as session:
        staff = session.exec(select(User).where(User.email == EMAILS["staff"])).one()
    client = app.test_client()
    client.set_cookie("lang", "fi")
    sign_in(client, EMAILS["admin"])
    prefix = f"u{staff.id}"
    response = client.post(
        f"/users/{staff.id}",
        data={
            f"{prefix}-role": "member",
            f"{prefix}-active": "y",
            "csrf_token": csrf(client, "/users"),
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Jäsen kuuluu organisaatioon, eikä tällä käyttäjällä ole organisaatiota." in page
    assert "a member belongs to an actor" not in page
