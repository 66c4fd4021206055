"""One deadline rule for a new applicant, on real two-stage and multi-cut-off calls.

Each case is a day around a real deadline: the status and the deadline a new applicant works
to, as Python computes them (`Call.for_applicant`), as SQL filters and sorts them (the calls
page's search), and as the matcher offers the call.
"""

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlmodel import select

from matcher.calls import for_applicant
from tests.tracker.helpers import bulk_records, export_record, feed_records, sedia_records
from tracker.config import load_settings
from tracker.db import alembic_config, migrate
from tracker.ingest import ingest
from tracker.matching import call_input, load_index, rescore_actor
from tracker.models import Actor, Call, CallDeadline, Match
from tracker.search import CallQuery, found_calls, search_calls

NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
MIN_DAYS = 14
CASCADE = "FSTP-11265"  # six cut-offs, 2025-09-07 .. 2027-06-01
EDF = "EDF-EDIP-P-2026-2027-FNLC-SA-SEAP"  # three cut-offs
LIFE = "LIFE-2024-STRAT-ENV-SIP-two-stage"  # stage 1 2024-09-05, stage 2 2025-03-06
FEED_TWO_STAGE = "LIFE-2026-STRAT-ENV-SIP-two-stage"  # the feed gives stage 1 only: 2026-09-03

# (call, day, status for a new applicant, the deadline they work to, tight)
CASES = [
    # Stage 1 of a two-stage call, then closed to newcomers although stage 2 lies ahead.
    (LIFE, date(2024, 4, 17), "forthcoming", date(2024, 9, 5), False),
    (LIFE, date(2024, 9, 4), "open", date(2024, 9, 5), True),
    (LIFE, date(2024, 9, 5), "open", date(2024, 9, 5), True),
    (LIFE, date(2024, 9, 6), "closed", None, False),
    (LIFE, date(2025, 3, 6), "closed", None, False),
    (FEED_TWO_STAGE, date(2026, 9, 2), "open", date(2026, 9, 3), True),
    (FEED_TWO_STAGE, date(2026, 9, 3), "open", date(2026, 9, 3), True),
    (FEED_TWO_STAGE, date(2026, 9, 4), "closed", None, False),
    # 15, 14 and 13 days before a cut-off: the one after it once fewer than 14 are left.
    (CASCADE, date(2026, 8, 31), "open", date(2026, 9, 15), False),
    (CASCADE, date(2026, 9, 1), "open", date(2026, 9, 15), False),
    (CASCADE, date(2026, 9, 2), "open", date(2027, 2, 14), False),
    (EDF, date(2026, 9, 28), "open", date(2026, 10, 13), False),
    (EDF, date(2026, 9, 29), "open", date(2026, 10, 13), False),
    (EDF, date(2026, 9, 30), "open", date(2027, 2, 16), False),
    # The last cut-off: no later one, so the next is offered, marked tight; then closed.
    (CASCADE, date(2027, 5, 18), "open", date(2027, 6, 1), False),
    (CASCADE, date(2027, 5, 19), "open", date(2027, 6, 1), True),
    (CASCADE, date(2027, 6, 1), "open", date(2027, 6, 1), True),
    (CASCADE, date(2027, 6, 2), "closed", None, False),
]


def real_records():
    feed = [r for r in feed_records() if r.identifier == FEED_TWO_STAGE]
    return sedia_records() + bulk_records() + feed + [export_record(LIFE)]


@pytest.fixture
def stored(session):
    priority = ["ft_search", "ft_bulk", "eu_grants_feed", "ft_portal_export"]
    ingest(session, real_records(), priority=priority, today=NOW.date(), now=NOW)
    session.commit()
    return {call.identifier: call for call in session.exec(select(Call))}


def test_the_scrapers_label_the_stages_and_cut_offs_of_real_calls():
    found = {r.identifier: r for r in real_records()}
    assert [(d.date, d.label) for d in found[LIFE].deadlines] == [
        (date(2024, 9, 5), "stage 1"),
        (date(2025, 3, 6), "stage 2"),
    ]
    # The feed keeps only the first deadline of a topic; its id names it two-stage.
    feed = found[FEED_TWO_STAGE]
    assert (feed.deadline_model, [d.label for d in feed.deadlines]) == ("two-stage", ["stage 1"])
    assert [d.label for d in found[EDF].deadlines] == ["cut-off 1", "cut-off 2", "cut-off 3"]


@pytest.mark.parametrize(("identifier", "day", "status", "deadline", "tight"), CASES)
def test_python_view_of_a_new_applicant(identifier, day, status, deadline, tight):
    record = next(r for r in real_records() if r.identifier == identifier)
    assert record.status(day) == status
    call = Call(
        identifier=record.identifier,
        title=record.title,
        opening_date=record.opening_date,
        deadlines=[d.to_json() for d in record.deadlines],
        deadline_model=record.deadline_model,
    )
    view = call.for_applicant(day, MIN_DAYS)
    assert (view.status, view.deadline and view.deadline.date, view.tight) == (
        status,
        deadline,
        tight,
    )


def test_sql_status_and_deadline_equal_python_on_the_days_around_each_deadline(session, stored):
    for identifier, day, status, deadline, _tight in CASES:
        # Every stored call, not only this one: SQL and Python agree on the whole list.
        for state in ("open", "forthcoming", "closed"):
            in_sql = {
                c.identifier for c in found_calls(session, CallQuery(status=state), day, MIN_DAYS)
            }
            in_python = {i for i, c in stored.items() if c.status(day) == state}
            assert in_sql == in_python, (day, state)
        page = search_calls(session, CallQuery(text=identifier, status=status), day, MIN_DAYS)
        rows = {row.call.identifier: row.next_deadline for row in page.rows}
        assert rows.get(identifier, "missing") == deadline, (identifier, day)


def test_the_deadline_range_filter_reads_the_applicants_deadline(session, stored):
    day = date(2026, 9, 2)  # 13 days before cut-off 4 of the cascade call
    window = CallQuery(deadline_from=date(2026, 9, 15), deadline_to=date(2026, 9, 15))
    assert CASCADE not in {r.call.identifier for r in search_calls(session, window, day).rows}
    later = CallQuery(deadline_from=date(2027, 2, 14), deadline_to=date(2027, 2, 14))
    assert CASCADE in {r.call.identifier for r in search_calls(session, later, day).rows}


@pytest.mark.parametrize("sort", ["deadline", "newest"])
def test_a_range_of_deadlines_lists_the_calls_whose_next_deadline_is_in_it(session, stored, sort):
    """The range starts from the calls with a newcomer deadline in it (`_deadline_in_range`):
    the list is still exactly the calls whose deadline for a new applicant is in the range, as
    Python reads it, on days around each deadline, for ranges on either side of it."""
    for _identifier, day, _status, deadline, _tight in CASES:
        on = deadline or day
        later = (on + timedelta(days=1), on + timedelta(days=365))  # past the next: a later one
        for start, end in ((on, on), (None, on), (on, None), (day, on + timedelta(days=90)), later):
            query = CallQuery(status="", deadline_from=start, deadline_to=end, sort=sort)
            found = search_calls(session, dataclasses.replace(query, page_size=500), day, MIN_DAYS)
            expected = set()
            for call in stored.values():
                ahead = call.for_applicant(day, MIN_DAYS).deadline
                if ahead and (start or date.min) <= ahead.date <= (end or date.max):
                    expected.add(call.id)
            assert {row.call.id for row in found.rows} == expected, (day, start, end)
            assert found.total == len(expected)


@pytest.mark.parametrize("sort", ["deadline", "relevance"])
def test_a_range_of_deadlines_with_a_text_lists_what_the_text_finds_in_the_range(
    session, stored, sort
):
    """A text (words, an identifier) and a range together (on PostgreSQL, the text's calls in
    the range with their next deadline computed once): the calls the text finds whose deadline
    for a new applicant is in the range, in the page and in an export, for ranges on either
    side of each deadline."""
    kept = 0
    for (identifier, day, _status, deadline, _tight), text in itertools.product(
        CASES, ("innovation", "{}")
    ):
        on = deadline or day
        text = text.format(identifier)  # words, or the case's call by its identifier
        alone = CallQuery(text=text, status="", sort=sort, page_size=500)
        found_by_text = {row.call.id: row.call for row in search_calls(session, alone, day).rows}
        later = (on + timedelta(days=1), on + timedelta(days=365))  # past the next: a later one
        for start, end in ((on, on), (None, on), (on, None), (day, later[1]), later):
            query = dataclasses.replace(alone, deadline_from=start, deadline_to=end)
            expected = set()
            for call in found_by_text.values():
                ahead = call.for_applicant(day, MIN_DAYS).deadline
                if ahead and (start or date.min) <= ahead.date <= (end or date.max):
                    expected.add(call.id)
            found = search_calls(session, query, day, MIN_DAYS)
            assert {row.call.id for row in found.rows} == expected, (day, start, end)
            assert found.total == len(expected)
            assert {c.id for c in found_calls(session, query, day, MIN_DAYS)} == expected
            kept += len(expected)
    assert kept > 0  # the text finds calls in some of the ranges


def test_a_two_stage_call_is_not_offered_to_a_new_actor_after_stage_1(session, stored):
    settings = load_settings(env={})
    actor = Actor(
        name="Hämeen Kiertotalous Oy",
        organisation_type="public",
        keywords=["circular economy", "waste management", "action plan"],
        description="Regional circular economy action plans, waste and water management.",
    )
    session.add(actor)
    session.commit()
    life = stored[LIFE].id

    def offered(day: date) -> bool:
        rescore_actor(session, settings, actor.id, day, NOW)
        session.commit()
        return session.exec(select(Match).where(Match.call_id == life)).first() is not None

    assert offered(date(2024, 8, 1))  # five weeks before stage 1
    assert not offered(date(2024, 8, 30))  # a week before stage 1: too little time
    after = date(2024, 9, 6)  # stage 2 is ahead, but not for a newcomer
    assert not offered(after)
    index = load_index(session, settings, after)
    assert str(life) not in {index.calls[i].call.id for i in index.live_calls()}
    # The matcher's own view of the stored call says the same.
    view = for_applicant(call_input(stored[LIFE]), after, MIN_DAYS)
    assert (view.status, view.deadline) == ("closed", None)


def test_the_migration_reindexes_stored_calls_by_the_rule(engine, session, stored):
    life = stored[LIFE].id
    session.rollback()  # 0010's downgrade alters the call table, which waits for open transactions
    command.downgrade(alembic_config(engine), "0005")
    index = select(CallDeadline.deadline).where(CallDeadline.call_id == life)
    session.expire_all()
    # The column alone: the model's later columns (0010's) are not there at 0005.
    final = select(Call.final_deadline).where(Call.id == life)
    assert session.exec(final).one() == date(2025, 3, 6)  # as stored before
    assert sorted(session.exec(index)) == [date(2024, 9, 5), date(2025, 3, 6)]
    session.rollback()  # 0009 alters the call table, which waits for open transactions
    migrate(engine)
    session.expire_all()
    assert session.get(Call, life).final_deadline == date(2024, 9, 5)
    # Every stage is indexed (0016), stage 1 alone as a newcomer's.
    marked = select(CallDeadline.deadline, CallDeadline.newcomer).where(
        CallDeadline.call_id == life
    )
    assert sorted(session.exec(marked)) == [(date(2024, 9, 5), True), (date(2025, 3, 6), False)]
    closed = {c.id for c in found_calls(session, CallQuery(status="closed"), date(2024, 9, 6))}
    assert life in closed
    assert stored[CASCADE].id not in closed
    cascade = select(CallDeadline).where(CallDeadline.call_id == stored[CASCADE].id)
    assert len(session.exec(cascade).all()) == 6  # every cut-off stays


@pytest.mark.parametrize("status", ["current", "open", "forthcoming", "closed", ""])
def test_the_list_by_deadline_pages_through_every_call_in_the_order_of_their_deadlines(
    session, stored, status
):
    """Only the calls that can be on the page asked for are sorted (`_within_reach`): page
    after page, the list is every call found, ordered by the deadline a new applicant works
    to (none last), as Python reads it, on days around each deadline."""
    for day in sorted({case[1] for case in CASES}):
        found = found_calls(session, CallQuery(status=status), day, MIN_DAYS)

        def soonest(call, day=day):
            ahead = call.for_applicant(day, MIN_DAYS).deadline
            return (ahead.date if ahead else date.max, call.id)

        listed, page = [], CallQuery(status=status, page=1, page_size=3)
        while True:
            result = search_calls(session, page, day, MIN_DAYS)
            assert result.total == len(found)
            listed += [row.call.id for row in result.rows]
            if page.page >= result.pages:
                break
            page.page += 1
        assert listed == [call.id for call in sorted(found, key=soonest)], (day, status)
