"""EURA 2021 calls limited to regions: open to a Kanta-Häme actor only when Kanta-Häme is one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import select

from matcher.filters import admits
from scrapers.eura2021 import Eura2021Settings, call_record
from tests.conftest import FIXTURES
from tracker.ingest import ingest
from tracker.match_inputs import call_input
from tracker.models import Call
from tracker.search import CallQuery, Organisation, search_calls

FIXTURE = json.loads((FIXTURES / "finland" / "eura2021_call_row_and_codes.json").read_text())
HAME_SME = Organisation(country="FI", nuts3="FI1C2", organisation_type="sme")


def test_a_lapland_call_is_not_eligible_for_a_kanta_hame_actor_and_a_kanta_hame_call_is(session):
    # Test construction: the real row, limited by its maakunnat to Lappi (19), to Kanta-Häme
    # (05), or to neither (the real row itself: no maakunta, all of Finland).
    rows = {
        "lapland": {
            **FIXTURE["row"],
            "id": "lapland",
            "hakutunnus": "LAPLAND",
            "maakunnat": ["19"],
        },
        "hame": {**FIXTURE["row"], "id": "hame", "hakutunnus": "HAME", "maakunnat": ["05"]},
        "finland": FIXTURE["row"],
    }
    detail = Eura2021Settings().detail_url
    records = [call_record(row, FIXTURE["codes"], detail) for row in rows.values()]
    ingest(session, records, priority=["eura2021"], today=date(2022, 4, 1), now=datetime.now(UTC))
    session.commit()

    query = CallQuery(status="any", eligible_for=HAME_SME)
    found = search_calls(session, query, date(2022, 4, 1))
    assert sorted(row.call.identifier for row in found.rows) == ["ESAELY-002", "HAME"]

    for call in session.exec(select(Call)).all():
        facts = call_input(call)
        rule = (facts.countries, facts.regions, facts.organisation_types)
        assert admits(rule, "FI", "FI1C2", "sme") == (call.identifier != "LAPLAND")
        assert admits(rule, "FI", "FI1D7", "sme") == (call.identifier != "HAME")
