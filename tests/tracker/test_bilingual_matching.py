"""Newcomers who write their profile in Finnish or in English find the calls of either language:
the 723 real feed calls of 2026-08-22 and the real Haeavustuksia state grants, stored, matched
and read back as the matches page reads them."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from scrapers.haeavustuksia import Haeavustuksia
from tests.conftest import FIXTURES
from tests.tracker.helpers import feed_records, parse_file
from tracker.config import load_settings
from tracker.ingest import ingest
from tracker.matching import rescore_actor
from tracker.models import Actor, Call, Match

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
STATE_GRANTS = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"

BIOGAS_FI = (
    "Jalostamme elintarviketeollisuuden ja maatilojen sivuvirroista biokaasua ja "
    "kierrätyslannoitteita. Kehitämme kiertotalouden ratkaisuja ja teollista symbioosia."
)
BIOGAS_EN = (
    "We refine side streams of the food industry and farms into biogas and recycled "
    "fertilisers. We develop circular economy solutions and industrial symbiosis."
)


@pytest.fixture
def calls(session):
    """The feed's EU calls (in English) and the state grants of Haeavustuksia (in Finnish)."""
    state_grants = parse_file(Haeavustuksia(Haeavustuksia.Settings()), STATE_GRANTS)
    records = [*feed_records(), *state_grants]
    ingest(session, records, priority=["eu_grants_feed", "haeavustuksia"], today=TODAY, now=NOW)
    session.commit()
    return {c.id: c.identifier for c in session.exec(select(Call))}


def matched(session, calls, description, keywords, org_type="small"):
    """The identifiers of a new actor's stored matches, best first, as its page lists them."""
    actor = Actor(
        name="Newcomer",
        organisation_type=org_type,
        municipality="Forssa",
        description=description,
        keywords=keywords,
    )
    session.add(actor)
    session.commit()
    rescore_actor(session, load_settings(env={}), actor.id, TODAY, NOW)
    rows = session.exec(
        select(Match).where(Match.actor_id == actor.id).order_by(Match.score.desc())
    ).all()
    return [calls[m.call_id] for m in rows]


def test_a_finnish_profile_finds_the_calls_its_english_twin_finds(session, calls):
    english = matched(session, calls, BIOGAS_EN, ["biogas", "nutrient recycling"])
    finnish = matched(session, calls, BIOGAS_FI, ["biokaasu", "ravinteiden kierrätys"])
    assert "CIRCBIO" in english[0] and "CIRCBIO" in finnish[0]
    assert set(english[:5]) <= set(finnish[:10])


def test_an_english_profile_finds_a_finnish_state_grant(session, calls):
    roads = matched(
        session,
        calls,
        "We are a private road association. We maintain and improve our private road and its "
        "bridge, and seek state grants for the repairs.",
        ["private road", "road maintenance"],
        org_type="ngo",
    )
    assert "va-lou-2026-5" in roads[:5]  # Yksityisteiden valtionavustukset
