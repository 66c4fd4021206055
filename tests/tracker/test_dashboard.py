"""The dashboard's figures against sums worked out by hand, on both engines.

The calls are real (the recorded F&T topics and a real two-stage LIFE topic); the three
organisations and their eight applications, with stages and euros, are a hand-made set, made
so that every figure below can be checked by hand.
"""

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from scrapers.record import Deadline
from tests.tracker.helpers import bulk_records, export_record, sedia_records
from tests.tracker.test_cordis import ORGANISATIONS, TOPICS
from tracker.actors import save_actor
from tracker.application_queries import applications_state
from tracker.applications import create_application, move, update_application
from tracker.baseline import funding_by_year
from tracker.cordis import import_cordis
from tracker.dashboard import Figures, Stage, Upcoming, dashboard
from tracker.ingest import ingest
from tracker.models import Actor, Application, Call

STARTED = datetime(2026, 8, 1, 6, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
TODAY = date(2026, 9, 1)  # a Tuesday: the first week runs from Monday 31 August
TOPIC = "HORIZON-CL5-2026-09-D4-03"  # Horizon Europe, 15 September 2026
CBE = "HORIZON-JU-CBE-2026-IA-05"  # Horizon Europe, 22 September 2026
CASCADE = "FSTP-11265"  # Digital Europe, cut-offs ... 2026-07-01, 2026-09-15, 2027-02-14 ...
EDF = "EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"  # cut-offs 2026-10-13, 2027-02-16, 2027-09-28
LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"  # stage 1 2024-09-05, stage 2 2025-03-06; no programme
HORIZON, DIGITAL, DEFENCE = (
    "Horizon Europe (HORIZON)",
    "Digital Europe Programme (DIGITAL)",
    "European Defence Fund (EDF)",
)
TYPED = "Kanta-Hämeen maakuntaohjelma"


def hand_made(session, kone, ruoka, hamk) -> list[int]:
    """The hand-made applications of three organisations to real calls; their ids in order."""
    records = sedia_records() + bulk_records() + [export_record(LIFE)]
    ingest(session, records, priority=["ft_search", "ft_bulk"], today=TODAY, now=STARTED)
    calls = {c.identifier: c.id for c in session.exec(select(Call))}
    typed_with_day = {
        "call_title": TYPED,
        "call_programme": "AKKE",
        "call_deadline": date(2026, 9, 10),
    }
    typed_without = {"call_title": "Interreg Europe 5th call", "call_programme": "Interreg Europe"}
    # (organisation, call or typed call, stage, requested, granted, started)
    made = [
        (kone, {"call_id": calls[TOPIC]}, "granted", 400_000, 350_000, STARTED),  # 1
        (kone, {"call_id": calls[CBE]}, "rejected", 1_000_000, None, STARTED),  # 2
        (ruoka, {"call_id": calls[TOPIC]}, "evaluation", 200_000, None, STARTED),  # 3
        (ruoka, typed_with_day, "preparing", 50_000, None, STARTED),  # 4
        (hamk, {"call_id": calls[CASCADE]}, "idea", 60_000, None, STARTED),  # 5
        (hamk, typed_without, "withdrawn", 300_000, None, STARTED),  # 6
        (kone, {"call_id": calls[EDF]}, "submitted", 500_000, None, LATER),  # 7
        (ruoka, {"call_id": calls[LIFE]}, "granted", 900_000, 700_000, STARTED),  # 8
    ]
    ids = []
    for actor, call, stage, requested, granted, now in made:
        values = {**call, "requested_eur": requested, "granted_eur": granted}
        application = create_application(
            session, actor.id, values, user_id=None, now=now, stage=stage
        )
        ids.append(application.id)
    session.commit()
    return ids


@pytest.fixture
def region(session):
    actors = (
        Actor(name="Hämeen Kone Oy"),
        Actor(name="Forssan Ruoka ry"),
        Actor(name="Hämeen ammattikorkeakoulu"),
    )
    session.add_all(actors)
    session.flush()
    return hand_made(session, *actors), actors


def test_the_figures_are_the_sums_worked_out_by_hand(session, region):
    ids, (kone, ruoka, hamk) = region
    found = dashboard(session, TODAY)
    assert found.stages == {
        "idea": Stage(1, 60_000),
        "decision": Stage(0, 0),
        "preparing": Stage(1, 50_000),
        "submitted": Stage(1, 500_000),
        "submitted_2": Stage(0, 0),
        "evaluation": Stage(1, 200_000),
        "granted": Stage(2, 1_300_000),
        "rejected": Stage(1, 1_000_000),
        "withdrawn": Stage(1, 300_000),
    }
    assert found.total == Stage(8, 3_410_000)
    # Granted 2 (1 and 8) of the 3 decided (and the rejected 2); the withdrawn 6 was never decided.
    assert (found.decided, found.success_rate) == (3, pytest.approx(2 / 3))
    # Not decided yet: 5 (idea), 4 (preparing), 7 (submitted), 3 (evaluation).
    assert found.pipeline == [
        ("idea", 1, 60_000),
        ("decision", 0, 0),
        ("preparing", 1, 50_000),
        ("submitted", 1, 500_000),
        ("submitted_2", 0, 0),
        ("evaluation", 1, 200_000),
    ]
    # Requested: of the submitted ones (1, 2, 3, 7, 8); granted: of the granted ones (1, 8).
    assert found.by_programme == [
        (HORIZON, Figures(3, 1_600_000, 350_000)),  # 1, 2, 3
        (None, Figures(1, 900_000, 700_000)),  # 8: the LIFE topic names no programme
        (DEFENCE, Figures(1, 500_000, 0)),  # 7
        ("AKKE", Figures(1, 0, 0)),  # 4
        (DIGITAL, Figures(1, 0, 0)),  # 5
        ("Interreg Europe", Figures(1, 0, 0)),  # 6
    ]
    # The year of the deadline each works to: 7 was started in December, after the EDF's
    # October cut-off, so February 2027; 8 after both LIFE stages: the call's stage 1, 2024;
    # 6 has no deadline: the year it was started.
    assert found.by_year == [
        (2024, Figures(1, 900_000, 700_000)),
        (2026, Figures(6, 1_600_000, 350_000)),
        (2027, Figures(1, 500_000, 0)),
    ]
    # Deadlines of open applications in the eight weeks from Monday 31 August: 4 on
    # 10 September, 3 and 5 on 15 September, 7 on 13 October (1 is granted, 2 rejected).
    weeks = dict(found.weeks)
    assert len(weeks) == 8 and min(weeks) == date(2026, 8, 31)
    assert {week: n for week, n in weeks.items() if n} == {
        date(2026, 9, 7): 1,
        date(2026, 9, 14): 2,
        date(2026, 10, 12): 1,
    }
    calls = {c.identifier: c.title for c in session.exec(select(Call))}
    assert found.upcoming == [
        Upcoming(date(2026, 9, 10), ids[3], ruoka.name, TYPED, "preparing"),
        Upcoming(date(2026, 9, 15), ids[2], ruoka.name, calls[TOPIC], "evaluation"),
        Upcoming(date(2026, 9, 15), ids[4], hamk.name, calls[CASCADE], "idea"),
        Upcoming(date(2026, 10, 13), ids[6], kone.name, calls[EDF], "submitted"),
    ]
    # Three applications each; Forssan before Hämeen by name.
    assert found.actors == [
        (ruoka.id, ruoka.name, Figures(3, 1_100_000, 700_000)),  # 3, 4, 8
        (kone.id, kone.name, Figures(3, 1_900_000, 350_000)),  # 1, 2, 7
        (hamk.id, hamk.name, Figures(2, 0, 0)),  # 5, 6
    ]
    # No CORDIS file imported: the tracked years alone.
    assert found.beside(funding_by_year(session)) == [(y, None, f) for y, f in found.by_year]


def test_the_baseline_stands_beside_the_tracked_years(session, region):
    import_cordis(session, ORGANISATIONS, region="FI1C2", topics=TOPICS)
    session.commit()
    cordis = funding_by_year(session)
    found = dashboard(session, TODAY)
    tracked = dict(found.by_year)
    years = sorted(cordis.keys() | tracked.keys())
    beside = found.beside(cordis)
    assert beside == [(y, cordis.get(y), tracked.get(y, Figures())) for y in years]
    # The region's Horizon Europe participations of 2022 and 2023, before the tracked years.
    assert [(y, bool(f), t.applications) for y, f, t in beside] == [
        (2022, True, 0),
        (2023, True, 0),
        (2024, False, 1),
        (2026, False, 6),
        (2027, False, 1),
    ]


def test_an_empty_region_has_no_rate_and_no_deadlines(session):
    found = dashboard(session, TODAY)
    assert found.total == Stage(0, 0) and found.success_rate is None
    assert found.by_programme == found.by_year == found.actors == found.upcoming == []
    assert [n for _, n in found.weeks] == [0] * 8


def test_the_state_changes_with_each_change_the_figures_read(session, region):
    """The web app keeps the figures while `state` stays; every change must show in it, even
    one stamped with the same time as the last."""
    ids, (kone, _ruoka, _hamk) = region
    seen = [applications_state(session)]

    def changed():
        session.commit()
        now = applications_state(session)
        assert now not in seen
        seen.append(now)

    assert applications_state(session) == seen[0]
    idea = session.get(Application, ids[4])
    move(session, idea, "decision", user_id=None, now=STARTED)
    changed()
    update_application(session, idea, {"requested_eur": 70_000}, user_id=None, now=STARTED)
    changed()
    topic = next(r for r in sedia_records() if r.identifier == TOPIC)
    moved = dataclasses.replace(topic, deadlines=(Deadline(date(2026, 11, 17)),))
    ingest(session, [moved], priority=["ft_search"], today=TODAY, now=STARTED)
    changed()
    save_actor(session, kone, {"name": "Hämeen Kone ja Robotiikka Oy"})
    changed()
