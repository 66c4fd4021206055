import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from scrapers.record import Deadline
from tests.conftest import empty_postgres
from tests.tracker.helpers import bulk_records, feed_records, sedia_records
from tracker import ingest as ingest_module
from tracker.db import among
from tracker.ingest import ingest
from tracker.models import (
    IDENTIFIER_CHARS,
    Call,
    CallDeadline,
    CallSource,
    CallVersion,
    ChangeEvent,
)
from tracker.queries import last_seen
from tracker.search import CallQuery, search_calls

PRIORITY = ["ft_search", "ft_bulk"]
DAY1 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
DAY2 = datetime(2026, 10, 2, 6, 0, tzinfo=UTC)


def run(session, records, now, today=date(2026, 10, 1)):
    stats = ingest(session, records, priority=PRIORITY, today=today, now=now)
    session.commit()
    return stats


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_first_ingest_stores_calls_sources_and_first_versions(session):
    records = sedia_records() + bulk_records()
    stats = run(session, records, DAY1)
    assert stats.new == len({r.identifier for r in records}) == count(session, Call)
    assert count(session, CallSource) == len(records)
    assert count(session, CallVersion) == stats.new
    assert count(session, ChangeEvent) == 0
    call = session.exec(select(Call).where(Call.identifier == "HORIZON-CL5-2026-09-D4-03")).one()
    assert call.deadline_list() == [Deadline(date(2026, 9, 15))]
    assert call.final_deadline == date(2026, 9, 15)
    assert call.status(date(2026, 9, 1)) == "open"
    assert call.field_sources["title"] == "ft_search"


def test_same_input_twice_creates_nothing_new(session):
    records = sedia_records() + bulk_records()
    run(session, records, DAY1)
    before = [count(session, m) for m in (Call, CallSource, CallVersion, ChangeEvent)]
    stats = run(session, records, DAY2)
    assert (stats.new, stats.changed) == (0, 0)
    assert stats.unchanged == len(records)
    assert [count(session, m) for m in (Call, CallSource, CallVersion, ChangeEvent)] == before
    calls = session.exec(select(Call.id)).all()
    assert last_seen(session, calls) == dict.fromkeys(calls, DAY2)  # its sources' last run


def test_moved_deadline_makes_a_version_and_change_events(session):
    records = sedia_records()
    run(session, records, DAY1)
    target = next(r for r in records if r.identifier == "HORIZON-CL5-2026-09-D4-03")
    moved = dataclasses.replace(target, deadlines=(Deadline(date(2026, 11, 17)),))
    stats = run(session, [moved], DAY2, today=date(2026, 10, 1))
    assert (stats.new, stats.changed) == (0, 1)
    call = session.exec(select(Call).where(Call.identifier == target.identifier)).one()
    versions = session.exec(select(CallVersion).where(CallVersion.call_id == call.id)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].content["deadlines"][0]["date"] == "2026-11-17"
    events = {
        e.field_name: e
        for e in session.exec(select(ChangeEvent).where(ChangeEvent.call_id == call.id))
    }
    assert events["deadlines"].kind == "deadline"
    assert events["deadlines"].old_value[0]["date"] == "2026-09-15"
    assert events["deadlines"].new_value[0]["date"] == "2026-11-17"
    # On 1 October the old deadline had passed and the new one lies ahead.
    assert (events["status"].old_value, events["status"].new_value) == ("closed", "open")
    assert events["status"].version_id == versions[1].id
    assert call.status(date(2026, 10, 1)) == "open"
    # The deadline index the call list sorts and filters by follows the move.
    indexed = session.exec(
        select(CallDeadline.deadline).where(CallDeadline.call_id == call.id)
    ).all()
    assert indexed == [date(2026, 11, 17)]


def test_budget_change_is_an_event(session):
    records = sedia_records()
    run(session, records, DAY1)
    target = next(r for r in records if r.budget.total_eur)
    raised = dataclasses.replace(
        target,
        budget=dataclasses.replace(target.budget, total_eur=target.budget.total_eur + 1_000_000),
    )
    run(session, [raised], DAY2)
    event = session.exec(
        select(ChangeEvent).where(ChangeEvent.field_name == "budget_total_eur")
    ).one()
    assert (event.kind, event.new_value - event.old_value) == ("budget", 1_000_000)


def test_call_absent_from_a_run_is_not_closed(session):
    records = sedia_records()
    run(session, records, DAY1)
    absent = records[0]
    run(session, records[1:], DAY2)
    call = session.exec(select(Call).where(Call.identifier == absent.identifier)).one()
    assert last_seen(session, [call.id]) == {call.id: DAY1}
    assert count(session, ChangeEvent) == 0
    assert call.final_deadline == max(d.date for d in absent.deadlines)


def test_failed_run_leaves_stored_calls_untouched(session):
    run(session, sedia_records(), DAY1)
    calls = session.exec(select(Call.id)).all()
    before = (
        session.exec(select(Call.identifier, Call.content_hash)).all(),
        last_seen(session, calls),
    )

    def broken():
        yield from bulk_records()
        raise RuntimeError("page 2 was malformed")

    try:
        ingest(session, broken(), priority=PRIORITY, today=date(2026, 10, 1), now=DAY2)
    except RuntimeError:
        session.rollback()
    after = (
        session.exec(select(Call.identifier, Call.content_hash)).all(),
        last_seen(session, calls),
    )
    assert after == before


def test_a_second_source_filling_empty_fields_is_no_change(session):
    """The F&T search pages give no budget; the eu-grants-feed snapshot, merged the next day,
    does: the call's first budget is no change, and its history stays empty."""
    run(session, sedia_records(), DAY1)
    feed = [r for r in feed_records() if r.identifier == "HORIZON-CL5-2026-09-D4-03"]
    ingest(session, feed, priority=[*PRIORITY, "eu_grants_feed"], today=DAY2.date(), now=DAY2)
    session.commit()
    call = session.exec(select(Call).where(Call.identifier == "HORIZON-CL5-2026-09-D4-03")).one()
    assert call.budget_total_eur == 15_750_000 and call.expected_grants == 3
    assert count(session, CallVersion) > len({r.identifier for r in sedia_records()})
    assert session.exec(select(ChangeEvent).where(ChangeEvent.call_id == call.id)).all() == []


@pytest.mark.postgres
def test_a_run_that_grows_the_calls_gathers_postgresqls_statistics(pg_database, monkeypatch):
    def planned_calls(session):
        estimate = "SELECT reltuples FROM pg_class WHERE oid = 'call'::regclass"
        return session.execute(text(estimate)).scalar_one()

    try:
        with Session(pg_database) as session:
            monkeypatch.setattr(ingest_module, "ANALYSE_AFTER", 10_000)
            first = run(session, sedia_records(), DAY1)
            assert planned_calls(session) == -1  # never analysed: fewer new calls than that
            monkeypatch.setattr(ingest_module, "ANALYSE_AFTER", 5)
            second = run(session, bulk_records(), DAY2)
            assert second.new >= 5
            assert planned_calls(session) == first.new + second.new == count(session, Call)
    finally:
        empty_postgres(pg_database)


def test_text_a_bulk_copy_could_misread_is_stored_as_the_source_sent_it(session):
    """Tabs, new lines, backslashes and COPY's own NULL marker ("\\N") in a source's text,
    which PostgreSQL's COPY reads as delimiters and escapes unless they are escaped: stored as
    sent, found by the search, and the same record again is no change."""
    title = 'Circular\tpilots\\ "lainaus"\n\\N rivi'
    keywords = ("\\N", "tab\there", "back\\slash")
    odd = dataclasses.replace(sedia_records()[0], title=title, keywords=keywords)
    assert run(session, [odd], DAY1).new == 1
    call = session.exec(select(Call).where(Call.identifier == odd.identifier)).one()
    assert (call.title, tuple(call.keywords)) == (title, keywords)
    source = session.exec(select(CallSource).where(CallSource.call_id == call.id)).one()
    assert source.record["title"] == title and source.record["keywords"] == list(keywords)
    found = search_calls(session, CallQuery(text="pilots", status=""), date(2026, 10, 1))
    assert [row.call.id for row in found.rows] == [call.id]
    again = run(session, [odd], DAY2)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)


def test_among_selects_the_rows_of_the_values_given_on_both_engines(session):
    run(session, sedia_records(), DAY1)
    calls = session.exec(select(Call).order_by(Call.id)).all()
    some = calls[1::2]

    def found(column, values):
        return session.exec(select(Call.id).where(among(session, column, values))).all()

    assert sorted(found(Call.id, [c.id for c in some])) == [c.id for c in some]
    assert sorted(found(Call.identifier, {c.identifier for c in some})) == [c.id for c in some]
    assert found(Call.id, []) == []
    longest = some[0]  # an identifier as long as the column holds, and one longer
    longest.identifier = longest.identifier.ljust(IDENTIFIER_CHARS, "x")
    session.add(longest)
    session.commit()
    assert found(Call.identifier, [longest.identifier]) == [longest.id]
    assert found(Call.identifier, [longest.identifier + "y"]) == []  # not cut to the stored one


def statements_of_ingest(session, monkeypatch, batch: int) -> set[str]:
    """The texts of the statements sent to store the real records in batches of `batch`, then
    each of them changed."""
    monkeypatch.setattr(ingest_module, "BATCH", batch)
    sent: set[str] = set()

    def record(_connection, _cursor, statement, *_):
        sent.add(statement)

    event.listen(session.get_bind(), "before_cursor_execute", record)
    try:
        records = sedia_records() + bulk_records()
        run(session, records, DAY1)
        run(session, [dataclasses.replace(r, title=r.title + " (2)") for r in records], DAY2)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", record)
    return sent


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_is_sent_a_batchs_statements_in_the_same_words_whatever_its_size(
    engine, session, monkeypatch
):
    """A batch's look-ups send their lists of ids as one array, so neither SQLAlchemy nor
    psycopg rewrites a statement per list, and the server parses one text, not one per size."""
    small = statements_of_ingest(session, monkeypatch, 4)
    empty_postgres(engine)
    large = statements_of_ingest(session, monkeypatch, 50)
    assert [s for s in small | large if re.search(r"IN \(%\(", s)] == []
    assert any("= ANY (" in s for s in small)
    assert small == large
