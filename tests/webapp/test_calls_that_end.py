"""A call's page: deadlines without a zone as the source gave them, withdrawn and ended calls."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

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
    assert re.search(r"Jan 27, 2026 5:00\sPM, time zone not stated", english)
    assert "6:00" not in english  # 17:00 Brussels time would be 18:00 in Helsinki
    assert "klo 17.00, aikavyöhyke ei tiedossa" in page_of(client, call, "fi")
