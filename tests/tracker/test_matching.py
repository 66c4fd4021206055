"""Matches stored for real actors (CORDIS, Kanta-Häme) and real calls (the feed of 2026-08-22)."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from matcher.engine import rank_calls
from matcher.explain import Evidence, explain
from scrapers.eu_grants_feed import EuGrantsFeed
from tests.conftest import FIXTURES, SHARED
from tests.tracker.helpers import parse_file
from tracker.config import load_settings
from tracker.cordis import import_cordis
from tracker.ingest import ingest
from tracker.jobs import match
from tracker.matching import load_index, record_feedback, rescore_all, rescore_calls, themes
from tracker.models import Actor, Call, CallTheme, Match

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
FEED = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"
CORDIS = SHARED / "data" / "cordis"


def feed_records():
    return parse_file(EuGrantsFeed(EuGrantsFeed.Settings()), FEED)


@pytest.fixture
def region(session):
    """723 real calls and the 7 Kanta-Häme organisations of CORDIS with their projects."""
    ingest(session, feed_records(), priority=["eu_grants_feed"], today=TODAY, now=NOW)
    import_cordis(
        session,
        CORDIS / "horizon_organization_2024-05.csv",
        region="FI1C2",
        topics=CORDIS / "horizon_topics_2026-04.csv",
    )
    session.commit()
    return load_settings(env={})


def actor(session, pic):
    return session.exec(select(Actor).where(Actor.pic == pic)).one()


def ranked(session, actor_id):
    rows = session.exec(
        select(Match).where(Match.actor_id == actor_id).order_by(Match.score.desc())
    ).all()
    return [(session.get(Call, m.call_id), m) for m in rows]


def test_full_rescore_ranks_calls_with_reasons_in_both_languages(session, region):
    assert rescore_all(session, region, TODAY, NOW) > 0
    teleste = ranked(session, actor(session, "897633151").id)  # OptiPEx, a CL5 CCAM project
    best_call, best = teleste[0]
    assert best_call.identifier.startswith("HORIZON-CL5-2026-10-D6")
    assert best.components["past"] > 0 and 0 < best.score <= 100
    said = {
        language: explain(
            Evidence.from_json(best.evidence), language, TODAY, {t.name: t for t in themes(region)}
        ).text
        for language in ("en", "fi")
    }
    assert "OptiPEx" in said["en"] and "OptiPEx" in said["fi"]
    assert "days left" in said["en"] and "päivää" in said["fi"]
    hami = ranked(session, actor(session, "929413455").id)  # WATSON, a farm-to-fork project
    assert "FARM2FORK" in hami[0][0].identifier or "food" in hami[0][0].title.lower()
    for call, _ in teleste + hami:  # hard filter: time to prepare
        assert call.next_deadline(TODAY).date >= TODAY + timedelta(
            days=region.matching.min_days_to_prepare
        )


def test_calls_are_tagged_with_smart_hame_themes_and_why(session, region):
    rescore_all(session, region, TODAY, NOW)
    call = session.exec(
        select(Call).where(Call.identifier == "HORIZON-CL6-2027-01-CIRCBIO-01")
    ).one()
    tags = {t.theme: t for t in session.exec(select(CallTheme).where(CallTheme.call_id == call.id))}
    assert "circular_economy" in tags
    assert "circularity" in tags["circular_economy"].reason["keywords"]


def test_dismissed_call_stays_away_until_it_changes(session, region):
    rescore_all(session, region, TODAY, NOW)
    hami = actor(session, "929413455")
    call, _ = ranked(session, hami.id)[0]
    record_feedback(
        session,
        region,
        actor_id=hami.id,
        call_id=call.id,
        verdict="not_relevant",
        reason="topic",
        user_id=None,
        today=TODAY,
        now=NOW,
    )
    assert call.id not in [c.id for c, _ in ranked(session, hami.id)]
    rescore_all(session, region, TODAY, NOW)
    assert call.id not in [c.id for c, _ in ranked(session, hami.id)]
    # The source changes the call (a corrigendum to its text): it may come back.
    record = next(r for r in feed_records() if r.identifier == call.identifier)
    changed = dataclasses.replace(
        record,
        description_html=(record.description_html or "")
        + "<p>Corrigendum: budget reallocated.</p>",
    )
    assert str(call.id) not in allowed(session, region, hami.id)
    ingest(session, [changed], priority=["eu_grants_feed"], today=TODAY, now=NOW)
    # Changed, it is a candidate again (its score still feels the mark on the old text).
    assert str(call.id) in allowed(session, region, hami.id)


def allowed(session, settings, actor_id):
    """The calls the actor may be shown, whatever their score."""
    return {
        call_id
        for call_id, _ in rank_calls(load_index(session, settings, TODAY), str(actor_id), TODAY)
    }


def test_relevant_mark_raises_similar_calls(session, region):
    rescore_all(session, region, TODAY, NOW)
    hami = actor(session, "929413455")
    before = {c.id: m.score for c, m in ranked(session, hami.id)}
    call, _ = ranked(session, hami.id)[0]
    record_feedback(
        session,
        region,
        actor_id=hami.id,
        call_id=call.id,
        verdict="relevant",
        reason=None,
        user_id=None,
        today=TODAY,
        now=NOW,
    )
    after = {c.id: m for c, m in ranked(session, hami.id)}
    risen = [
        cid
        for cid, m in after.items()
        if cid in before and m.score > before[cid] and m.components.get("feedback", 0) > 0
    ]
    assert risen
    assert all(after[cid].score >= before[cid] for cid in before if cid in after)


def test_a_new_call_is_scored_like_a_full_rescore(session, region):
    rescore_all(session, region, TODAY, NOW)
    full = {(m.actor_id, m.call_id): m.score for m in session.exec(select(Match))}
    call_id = next(iter(full))[1]
    session.exec(Match.__table__.delete().where(Match.call_id == call_id))
    rescore_calls(session, region, [call_id], TODAY, NOW)
    again = {
        (m.actor_id, m.call_id): m.score
        for m in session.exec(select(Match).where(Match.call_id == call_id))
    }
    assert again and all(
        again[pair] == pytest.approx(score) for pair, score in full.items() if pair[1] == call_id
    )


def test_nightly_match_job_is_recorded(engine, session, region):
    run = match(engine, region, today=TODAY)
    assert run.ok and run.job == "match"
    stored = session.exec(select(func.count()).select_from(Match)).one()
    assert run.message == f"{stored} matches stored" and stored > 0
