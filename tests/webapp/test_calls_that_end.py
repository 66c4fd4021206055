"""A call's page: deadlines without a zone as the source gave them, withdrawn and ended calls."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from scrapers.base import Page
from scrapers.euro_access import EuroAccess
from tests.conftest import FIXTURES
from tracker.ingest import ingest
from tracker.models import Call, utcnow

EURO_ACCESS_DETAIL = FIXTURES / "euro_access" / "call_detail_135.html"
DETAIL_URL = "https://www.euro-access.eu/en/calls/135/erasmus-charter-for-higher-education-eche"


def page_of(client, call: Call, lang: str) -> str:
    client.set_cookie("lang", lang)
    return client.get(f"/calls/{call.id}").get_data(as_text=True)


def test_a_time_without_zone_is_shown_as_given_never_as_brussels_time(client, session):
    source = EuroAccess(EuroAccess.Settings())
    records = list(source.parse(Page("euro_access", DETAIL_URL, EURO_ACCESS_DETAIL.read_bytes())))
    ingest(session, records, priority=["euro_access"], today=date(2026, 1, 1), now=utcnow())
    session.commit()
    call = session.exec(select(Call)).one()
    # euro-access says "27.01.2026 17:00": the programme's local time, zone not stated.
    english = page_of(client, call, "en")
    assert re.search(r"27 Jan 2026 17:00, time zone not stated", english)
    assert "6:00" not in english  # 17:00 Brussels time would be 18:00 in Helsinki
    assert "klo 17.00, aikavyöhyke ei tiedossa" in page_of(client, call, "fi")


def test_a_withdrawn_call_says_so_on_its_page_the_list_and_its_history(
    client, engine, settings, tmp_path, monkeypatch
):
    from tests.tracker.test_withdrawals import CBE, FEED_FILE, TODAY, run, without

    monkeypatch.setattr(settings, "today", lambda: TODAY)
    settings.ingest.withdraw_after_runs = 1
    run(engine, settings, "eu_grants_feed", FEED_FILE)
    run(engine, settings, "eu_grants_feed", without(tmp_path, FEED_FILE, "grants", CBE))
    with Session(engine) as session:
        call = session.exec(select(Call).where(Call.identifier == CBE)).one()
    english = page_of(client, call, "en")
    assert "Closed (withdrawn)" in english
    assert "no source lists this call any more" in english
    assert "Withdrawn: no source lists the call any more." in english
    finnish = page_of(client, call, "fi")
    assert "(vedetty pois)" in finnish and "Vedetty pois:" in finnish
    link = f'href="/calls/{call.id}"'
    listed = client.get("/", query_string={"status": "closed", "q": CBE}).get_data(as_text=True)
    assert link in listed and "(vedetty pois)" in listed
    assert link not in client.get("/", query_string={"q": CBE}).get_data(as_text=True)  # current


def test_a_continuous_call_page_tells_its_technical_end(client, engine, settings):
    from tests.tracker.test_withdrawals import HAEAVUSTUKSIA_PAGE, run

    run(engine, settings, "haeavustuksia", HAEAVUSTUKSIA_PAGE, complete=False)
    with Session(engine) as session:
        call = session.exec(select(Call)).one()
    assert "It ends on 31 Dec 2036 at the latest." in page_of(client, call, "en")
