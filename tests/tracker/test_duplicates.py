"""Likely duplicates across sources: the similarity rule, and staff confirming or rejecting."""

import dataclasses
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from scrapers import SOURCES
from scrapers.base import Page
from scrapers.euro_access import list_rows
from scrapers.record import CallRecord, Deadline
from tests.conftest import FIXTURES
from tests.tracker.helpers import parse_file
from tracker.application_queries import ApplicationFilter, find_applications
from tracker.applications import create_application
from tracker.db import alembic_config, migrate
from tracker.duplicates import confirm, find_candidates, normalise, pending, reject
from tracker.ingest import ingest
from tracker.models import Actor, Application, Call, CallSource, DuplicateCandidate
from tracker.search import CallQuery, found_calls

PRIORITY = [s.name for s in SOURCES]
NOW = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
TODAY = date(2026, 9, 1)
FEED = FIXTURES / "sedia" / "derived" / "eu_grants_feed_snapshot_2026-08-22.json"
LIST = FIXTURES / "euro_access" / "calls_list.html"
SME_UPTAKE = "Accelerating uptake through open proposals for advanced SME innovation"


def feed_record(identifier: str) -> CallRecord:
    from scrapers.eu_grants_feed import EuGrantsFeed

    records = parse_file(EuGrantsFeed(EuGrantsFeed.Settings()), FEED)
    return next(r for r in records if r.identifier == identifier)


def euro_access_row_record(title: str) -> CallRecord:
    """The real euro-access list row of that title as a record (its detail page was not recorded)."""
    page = Page("euro_access", "https://www.euro-access.eu/en/calls", LIST.read_bytes())
    row = next(r for r in list_rows(page) if r.title == title)
    day, clock = row.deadline.split()
    return CallRecord(
        source="euro_access",
        source_key=row.key,
        identifier=f"EA-{row.key}",
        title=row.title,
        programme=row.programme,
        url=row.url,
        deadlines=(
            Deadline(
                datetime.strptime(day, "%d.%m.%Y").date(), datetime.strptime(clock, "%H:%M").time()
            ),
        ),
    )


def store(session, *records):
    stats = ingest(session, records, priority=PRIORITY, today=TODAY, now=NOW)
    found = find_candidates(session, stats.call_ids)
    session.commit()
    return found


def test_normalise_titles():
    assert (
        normalise("Interregional  Innovation Investments – Strand 1!")
        == "interregional innovation investments strand 1"
    )
    assert normalise("Kestävä ruokajärjestelmä") == "kestava ruokajarjestelma"


def test_same_title_but_another_deadline_is_another_edition(session):
    # Real records: euro-access lists the 2025 topic (12.11.2025), the feed the 2027 one.
    found = store(
        session, feed_record("HORIZON-CL3-2027-01-SSRI-01"), euro_access_row_record(SME_UPTAKE)
    )
    assert found == []


def test_a_cascade_call_under_a_topic_is_not_the_topic(session):
    # Real records: the feed's "IH MIE - Open Call" is a cascade call of the I3 Strand 1 topic
    # that euro-access lists; moved to the same day they still differ by title.
    feed = feed_record("FSTP-14921")
    row = euro_access_row_record("Interregional Innovation Investments Strand 1")
    row = dataclasses.replace(row, deadlines=feed.deadlines)
    assert store(session, feed, row) == []


@pytest.fixture
def pair(session):
    """The real feed topic and the real euro-access row of the same title, the row moved to the
    topic's deadline (test construction: as euro-access lists the 2027 topic)."""
    feed = feed_record("HORIZON-CL3-2027-01-SSRI-01")
    row = euro_access_row_record(SME_UPTAKE)
    row = dataclasses.replace(row, deadlines=(Deadline(date(2027, 11, 4), row.deadlines[0].time),))
    (candidate,) = store(session, feed, row)
    return candidate, feed, row


def test_similar_title_programme_and_deadline_is_marked_for_staff(session, pair):
    candidate, feed, row = pair
    kept, other = session.get(Call, candidate.call_id), session.get(Call, candidate.other_id)
    assert {kept.identifier, other.identifier} == {feed.identifier, row.identifier}
    assert candidate.status == "pending" and candidate.similarity == pytest.approx(1.0)
    assert candidate.reasons["deadline"] == "2027-11-04"
    assert pending(session) == [candidate]
    # Finding again marks nothing twice.
    assert find_candidates(session) == []


def test_confirmed_duplicates_become_one_call_with_both_sources(session, pair):
    candidate, feed, row = pair
    kept = confirm(session, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    sources = session.exec(select(CallSource.source).where(CallSource.call_id == kept.id)).all()
    assert sorted(sources) == ["eu_grants_feed", "euro_access"]
    other = session.get(Call, candidate.other_id)
    assert other.merged_into_id == kept.id
    assert [
        c.id for c in found_calls(session, CallQuery(), TODAY) if c.id in (kept.id, other.id)
    ] == [kept.id]
    # The euro-access record coming again lands on the kept call; no call comes back.
    again = dataclasses.replace(row, title=row.title + " (updated)")
    calls_before = len(session.exec(select(Call)).all())
    stats = ingest(session, [again], priority=PRIORITY, today=TODAY, now=NOW)
    assert stats.new == 0 and len(session.exec(select(Call)).all()) == calls_before
    link = session.exec(select(CallSource).where(CallSource.source == "euro_access")).one()
    assert (link.call_id, link.record["title"]) == (kept.id, again.title)
    # The feed ranks before euro-access, so the kept call keeps the feed's title.
    assert session.get(Call, kept.id).field_sources["title"] == "eu_grants_feed"
    assert session.get(DuplicateCandidate, candidate.id).status == "confirmed"
    with pytest.raises(ValueError, match="already confirmed"):
        confirm(session, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)


def test_two_people_confirming_at_once_merge_once(engine, pair):
    candidate, _, _ = pair
    first, second = Session(engine), Session(engine)
    confirm(first, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)
    told = []

    def confirm_again() -> None:
        try:
            confirm(second, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)
            second.commit()
            told.append("merged twice")
        except ValueError as exc:
            second.rollback()
            told.append(str(exc))

    late = threading.Thread(target=confirm_again)
    late.start()
    late.join(timeout=1.0)
    assert late.is_alive(), "the second decision waits for the first to commit"
    first.commit()
    late.join(timeout=10)
    assert told == [f"duplicate candidate {candidate.id} is already confirmed"]
    links = first.exec(select(CallSource.source).where(CallSource.call_id == candidate.call_id))
    assert sorted(links.all()) == ["eu_grants_feed", "euro_access"]
    first.close()
    second.close()


def test_rejected_pair_is_never_suggested_again(session, pair):
    candidate, _, _ = pair
    reject(session, candidate.id, user_id=None, now=NOW)
    session.commit()
    assert find_candidates(session) == []
    assert pending(session) == []
    assert session.exec(select(Call).where(Call.merged_into_id.is_not(None))).all() == []


def test_a_new_record_under_a_merged_away_identifier_lands_on_the_kept_call(session, pair):
    candidate, feed, row = pair
    kept = confirm(session, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    other = session.get(Call, candidate.other_id)
    # Another source (a new source key) names the call by the identifier that was merged away.
    stray = dataclasses.replace(
        feed if other.identifier == feed.identifier else row,
        source_key="another-listing-of-the-same-call",
    )
    calls_before = len(session.exec(select(Call)).all())
    stats = ingest(session, [stray], priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    assert stats.new == 0 and len(session.exec(select(Call)).all()) == calls_before
    link = session.exec(
        select(CallSource).where(CallSource.source_key == "another-listing-of-the-same-call")
    ).one()
    assert link.call_id == kept.id


def test_an_application_follows_its_call_to_the_kept_call(engine, session, pair):
    """Confirming moves the other call's applications, and the migration that made it so moved
    those of earlier merges; the applications table then filters them by the kept call."""
    candidate, _, _ = pair
    actor = Actor(name="Hämeen Kone Oy")
    session.add(actor)
    session.flush()
    values = {"call_id": candidate.other_id}
    application = create_application(session, actor.id, values, user_id=None, now=NOW)
    kept = confirm(session, candidate.id, user_id=None, priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    assert session.get(Application, application.id).call_id == kept.id
    by_kept_call = ApplicationFilter(programme=kept.programme, deadline_from=date(2027, 11, 4))
    assert [r.application.id for r in find_applications(session, by_kept_call)] == [application.id]
    # An application left on the merged call by an earlier release.
    session.close()
    command.downgrade(alembic_config(engine), "0016_digest_subscriptions")
    with engine.begin() as connection:
        moved_back = sa.text("UPDATE application SET call_id = :other")
        connection.execute(moved_back, {"other": candidate.other_id})
    migrate(engine)
    with Session(engine) as fresh:
        assert fresh.get(Application, application.id).call_id == kept.id
