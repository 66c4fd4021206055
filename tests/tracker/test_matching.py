"""Matches stored for real actors (CORDIS, Kanta-Häme) and real calls (the feed of 2026-08-22)."""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from matcher import engine as engine_module
from matcher.engine import rank_calls
from matcher.explain import Evidence, explain
from tests.conftest import SHARED
from tests.tracker.helpers import FEED_FILE, feed_records
from tracker import matching
from tracker.config import load_settings
from tracker.cordis import import_cordis
from tracker.ingest import ingest
from tracker.jobs import ingest_files, match
from tracker.match_index import INDEXES
from tracker.match_inputs import themes
from tracker.matching import (
    load_index,
    record_feedback,
    rescore_actor,
    rescore_all,
    rescore_calls,
)
from tracker.models import Actor, ActorProject, Call, CallTheme, Match, utcnow

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
CORDIS = SHARED / "data" / "cordis"


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
    min_days = region.matching.min_days_to_prepare
    for call, _ in teleste + hami:  # hard filter: time to prepare
        view = call.for_applicant(TODAY, min_days)
        assert not view.tight and view.deadline.date >= TODAY + timedelta(days=min_days)


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


def test_a_mark_given_while_the_nightly_rescore_works_is_not_undone_by_it(
    engine, session, region, monkeypatch
):
    rescore_all(session, region, TODAY, NOW)
    hami, teleste = actor(session, "929413455").id, actor(session, "897633151").id
    dismissed, _ = ranked(session, hami)[0]
    real_blocks = matching.scored_blocks

    def blocks_while_a_member_clicks(index, today):
        blocks = real_blocks(index, today)
        first = next(blocks)  # scored, not yet stored: the run holds Hämi's old best match
        assert int(hami) in {int(a) for a in first[0]}
        with Session(engine, expire_on_commit=False) as web:
            record_feedback(web, region, actor_id=hami, call_id=dismissed.id,
                            verdict="not_relevant", reason="topic", user_id=None, today=TODAY,
                            now=utcnow())  # fmt: skip
            web.commit()
        yield first
        yield from blocks

    monkeypatch.setattr(matching, "scored_blocks", blocks_while_a_member_clicks)
    later = NOW + timedelta(days=1)
    rescore_all(session, region, TODAY, later)
    session.expire_all()
    assert dismissed.id not in [c.id for c, _ in ranked(session, hami)]
    assert {m.computed_at.replace(tzinfo=UTC) for _, m in ranked(session, teleste)} == {later}


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


def changed_records(identifiers):
    """The feed's records of these calls as a later run brings them: a corrigendum added."""
    return [
        dataclasses.replace(r, title=r.title + " (corrigendum)")
        for r in feed_records()
        if r.identifier in identifiers
    ]


def test_the_kept_index_follows_changed_merged_and_closed_calls_without_fitting(session, region):
    rescore_all(session, region, TODAY, NOW)
    fitted = INDEXES.fits
    feed = {c.identifier: c for c in session.exec(select(Call))}
    changed = feed["HORIZON-CL6-2027-01-CIRCBIO-01"]
    again = changed_records({changed.identifier})
    ingest(session, again, priority=["eu_grants_feed"], today=TODAY, now=NOW)
    merged = next(c for c in feed.values() if c.id != changed.id and c.status(TODAY) == "open")
    merged.merged_into_id = changed.id
    session.commit()
    index = INDEXES.calls(session, region, TODAY)
    live = {index.calls[i].call.id: index.calls[i].call for i in index.live_calls()}
    assert live[str(changed.id)].title.endswith("(corrigendum)")
    assert str(merged.id) not in live
    later = max(c.final_deadline for c in feed.values() if c.final_deadline) + timedelta(days=1)
    after_all = INDEXES.calls(session, region, later)
    continuous = {str(c.id) for c in feed.values() if not c.deadlines and c.id != merged.id}
    assert {after_all.calls[i].call.id for i in after_all.live_calls()} == continuous
    assert INDEXES.fits == fitted


def test_many_changed_calls_fit_the_model_again(session, region):
    rescore_all(session, region, TODAY, NOW)
    fitted = INDEXES.fits
    many = {c.identifier for c in session.exec(select(Call)).all()[:300]}  # beyond the share
    ingest(session, changed_records(many), priority=["eu_grants_feed"], today=TODAY, now=NOW)
    session.commit()
    INDEXES.calls(session, region, TODAY)  # as a job asks: the fit happens here and now
    assert INDEXES.fits == fitted + 1


def test_an_index_fitted_on_no_calls_is_fitted_once_calls_arrive(engine, session):
    settings = load_settings(env={})
    INDEXES.calls(session, settings, TODAY)  # a web process started on an empty database
    fitted = INDEXES.fits
    ingest(session, feed_records(), priority=["eu_grants_feed"], today=TODAY, now=NOW)
    kone = Actor(name="Biokaasu Oy", description="Biogas from farm residues, circular bioeconomy")
    session.add(kone)
    session.commit()
    rescore_actor(session, settings, kone.id, TODAY, NOW)  # a click, as a web request makes it
    assert INDEXES.fits == fitted + 1
    assert ranked(session, kone.id), "the text model knows the calls' words"


def test_the_nightly_rescore_tags_calls_again_only_when_the_themes_changed(session, region):
    rescore_all(session, region, TODAY, NOW)
    circbio = (
        select(CallTheme).join(Call).where(Call.identifier == "HORIZON-CL6-2027-01-CIRCBIO-01")
    )
    first = {t.theme: t.id for t in session.exec(circbio)}
    rescore_all(session, region, TODAY, NOW)
    assert {t.theme: t.id for t in session.exec(circbio)} == first  # the same rows, not re-made
    circular = next(t for t in region.matching.themes if t.name == "circular_economy")
    circular.keywords_en = [*circular.keywords_en, "consumer electronics"]
    rescore_all(session, region, TODAY, NOW)
    again = {t.theme: t for t in session.exec(circbio)}
    assert again["circular_economy"].id != first["circular_economy"]
    assert "consumer electronics" in again["circular_economy"].reason["keywords"]


def test_a_theme_taken_out_of_the_config_is_ignored_by_the_kept_index(session, region):
    call = session.exec(
        select(Call).where(Call.identifier == "HORIZON-CL6-2027-01-CIRCBIO-01")
    ).one()
    session.add(CallTheme(call_id=call.id, theme="retired_theme", score=0.9, reason={}))
    session.commit()
    rescore_actor(session, region, actor(session, "929413455").id, TODAY, NOW)  # a click
    assert str(call.id) in INDEXES.calls(session, region, TODAY).call_pos


def test_the_cap_of_matches_per_actor_holds_after_an_incremental_rescore(session, region):
    region.matching.max_matches_per_actor = 5
    rescore_all(session, region, TODAY, NOW)
    every_call = [c.id for c in session.exec(select(Call))]
    assert rescore_calls(session, region, every_call, TODAY, NOW) > 5  # more than 5 before the cap
    per_actor = session.exec(select(Match.actor_id, func.count()).group_by(Match.actor_id)).all()
    assert per_actor and max(n for _, n in per_actor) == 5


def test_an_ingest_tags_every_call_with_themes_before_any_actor_exists(engine, session):
    settings = load_settings(env={})
    run = ingest_files(engine, settings, "eu_grants_feed", [FEED_FILE], today=date(2027, 6, 1))
    assert run.ok and not session.exec(select(Actor)).first()
    tagged = session.exec(select(Call).join(CallTheme, CallTheme.call_id == Call.id)).all()
    closed = [c for c in tagged if c.status(date(2027, 6, 1)) == "closed"]
    assert closed, "closed calls are tagged too: the theme filter serves their history"
    circbio = session.exec(
        select(CallTheme).join(Call).where(Call.identifier == "HORIZON-CL6-2027-01-CIRCBIO-01")
    ).all()
    assert "circular_economy" in {t.theme for t in circbio}


def test_the_nightly_rescore_swaps_each_chunk_of_actors_in_as_it_is_scored(
    session, region, monkeypatch
):
    """More actors than a block: scored 16 at a time and swapped in 20 at a time, the run
    stores what scoring them all at once and storing them in one go stores."""
    template = actor(session, "929413455")
    projects = session.exec(select(ActorProject).where(ActorProject.actor_id == template.id))
    past = [project.model_dump(exclude={"id", "actor_id"}) for project in projects]
    for number in range(30):  # the same organisation again: the same calls fit it
        fields = template.model_dump(exclude={"id", "business_id", "pic"})
        copy = Actor(**fields | {"name": f"{template.name} {number}"})
        session.add(copy)
        session.flush()
        session.add_all(ActorProject(**project, actor_id=copy.id) for project in past)
    session.commit()

    def stored():
        return {(m.actor_id, m.call_id): m.score for m in session.exec(select(Match))}

    rescore_all(session, region, TODAY, NOW)
    at_once = stored()
    swaps = []
    real_swap = matching._swap_in

    def counted(session_, scored, now, started):
        swaps.append(len(scored))
        return real_swap(session_, scored, now, started)

    monkeypatch.setattr(engine_module, "CELLS", 1)  # blocks of the least size, 16 actors
    monkeypatch.setattr(matching, "SWAP_CHUNK", 20)
    monkeypatch.setattr(matching, "_swap_in", counted)
    rescore_all(session, region, TODAY, NOW + timedelta(days=1))
    session.expire_all()
    assert swaps == [32, 5]  # after the second block of 16, then the last 5
    assert stored() == at_once
    assert len({actor_id for actor_id, _ in at_once}) == 37


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_each_nightly_rescore_leaves_no_replaced_match_behind_on_postgresql(
    engine, session, region
):
    """Every match is replaced each night: on a server whose autovacuum is off (as this
    machine's), or has not run yet, the replaced rows would stay dead and grow the table."""
    session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
    session.commit()

    def rows():  # counted by reading the table's pages: live and dead tuples
        found = "SELECT tuple_count, dead_tuple_count FROM pgstattuple('match')"
        return tuple(session.execute(text(found)).one())

    for night in range(3):
        rescore_all(session, region, TODAY, NOW + timedelta(days=night))
        live, dead = rows()
        session.commit()
        assert live == session.exec(select(func.count()).select_from(Match)).one() > 0
        assert dead == 0, f"night {night + 1}: {dead} replaced matches left in the table"
