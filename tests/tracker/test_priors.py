"""Organisation-type priors learned at the real CORDIS import, stored, and scored with."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import func, select

from matcher.benchdata import read_csv
from matcher.settings import Priors, lift_component
from tests.conftest import SHARED
from tests.tracker.helpers import feed_records
from tracker.config import load_settings
from tracker.cordis import import_cordis
from tracker.db import alembic_config, migrate
from tracker.ingest import ingest
from tracker.match_index import INDEXES
from tracker.matching import rescore_all
from tracker.models import Actor, Call, Match, MatchPrior
from tracker.priors import learn_with_stored_kinds, load_priors, replace_priors

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
CORDIS = SHARED / "data" / "cordis"
ORGANISATIONS = CORDIS / "horizon_organization_2024-05.csv"
TOPICS = CORDIS / "horizon_topics_2026-04.csv"


@pytest.fixture
def feed(session):
    """The 723 real calls of the feed of 2026-08-22."""
    ingest(session, feed_records(), priority=["eu_grants_feed"], today=TODAY, now=NOW)
    session.commit()


def imported(session, topics=TOPICS):
    report = import_cordis(session, ORGANISATIONS, region="FI1C2", topics=topics)
    session.commit()
    return report


def stored_rows(session):
    return session.exec(select(func.count()).select_from(MatchPrior)).one()


def file_participations():
    """Every participation of the file whose project's topic the topics file names."""
    topic_of = {r["projectID"]: r["topic"] for r in read_csv(TOPICS)}
    return [
        (r["activityType"], r["SME"] == "true", topic_of[r["projectID"]])
        for r in read_csv(ORGANISATIONS)
        if r["projectID"] in topic_of
    ]


def test_the_import_stores_the_priors_the_shared_rule_learns_and_a_reimport_replaces_them(
    session, feed
):
    report = imported(session)
    learned = load_priors(session)
    assert report.priors == stored_rows(session) == len(learned.org_action_lift) > 100
    assert learned == learn_with_stored_kinds(session, file_participations())
    assert learned.lift("higher_education", "HORIZON-MSCA") > 1.5  # universities host fellows
    assert learned.lift("sme", "HORIZON-EIC") > 2  # the EIC funds start-ups
    again = imported(session)
    assert again.priors == report.priors == stored_rows(session)
    assert load_priors(session) == learned


def test_a_rescore_after_the_import_scores_organisation_type_fit(session, feed):
    settings = load_settings(env={})
    learned = imported(session).priors
    rescore_all(session, settings, TODAY, NOW)
    sykli = session.exec(select(Actor).where(Actor.pic == "930883587")).one()  # an NGO
    lift = load_priors(session).lift("ngo", "HORIZON-MSCA")
    assert lift < 1  # associations seldom join Marie Curie actions: the fit lowers the score
    fit = fit_of(session, sykli)["HORIZON-MSCA-2027-SE-01-01"]
    assert fit == pytest.approx(lift_component(lift), abs=1e-4)
    assert replace_priors(session, Priors()) == 0 < learned  # the stored table is what counts
    rescore_all(session, settings, TODAY, NOW)
    assert fit_of(session, sykli) == {}


def test_the_kept_index_takes_newly_learned_priors_without_fitting(session, feed):
    settings = load_settings(env={})
    assert INDEXES.calls(session, settings, TODAY).priors.org_action_lift == {}
    fitted = INDEXES.fits
    imported(session)
    session.commit()
    kept = INDEXES.calls(session, settings, TODAY)
    assert kept.priors == load_priors(session) and kept.priors.org_action_lift
    assert INDEXES.fits == fitted


def fit_of(session, actor):
    """Call identifier -> the org_fit component of the actor's stored matches that have one."""
    rows = session.exec(select(Match, Call).join(Call).where(Match.actor_id == actor.id))
    return {c.identifier: m.components["org_fit"] for m, c in rows if "org_fit" in m.components}


def test_the_migration_adds_an_empty_prior_table_beside_stored_data(engine, session, feed):
    imported(session)
    learned = load_priors(session)
    calls = session.exec(select(func.count()).select_from(Call)).one()
    session.commit()  # PostgreSQL drops no table a transaction of this session still reads
    command.downgrade(alembic_config(engine), "0007")
    assert "matchprior" not in sa.inspect(engine).get_table_names()
    migrate(engine)
    session.expire_all()
    assert stored_rows(session) == 0 and load_priors(session).org_action_lift == {}
    assert session.exec(select(func.count()).select_from(Call)).one() == calls
    replace_priors(session, learned)
    session.commit()
    assert load_priors(session) == learned
