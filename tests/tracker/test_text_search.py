"""Full-text search as the calls page and the API run it (tracker.search.search_calls), on the
real recorded calls: the feed's EU calls in English and the Haeavustuksia state grant in
Finnish, on SQLite (FTS5) and PostgreSQL (tsvector)."""

import dataclasses
import re
import shutil
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import event
from sqlmodel import Session, select

from scrapers.haeavustuksia import Haeavustuksia
from tests.conftest import FIXTURES, empty_postgres
from tests.tracker.helpers import feed_records, parse_file
from tracker.db import alembic_config, make_engine, migrate
from tracker.ingest import ingest
from tracker.match_index import INDEXES
from tracker.models import Call
from tracker.search import CallQuery, filter_options, search_calls

TODAY = date(2026, 8, 22)
NOW = datetime(2026, 8, 22, 6, 0, tzinfo=UTC)
STATE_GRANTS = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"
STATE_GRANT = "va-lou-2026-5"  # "Yksityisteiden valtionavustukset"
HORIZON = "Horizon Europe (HORIZON)"  # the feed's programme of most calls
PRIORITY = ["eu_grants_feed", "haeavustuksia"]
# Finnish words and the English the calls use for them (glossary.toml), with the starts of the
# words (their stems) every call found holds.
BRIDGED = {"kiertotalous": "circular economy", "pakkaus": "packaging", "biotalous": "bioeconomy"}
STEMS = {
    "kiertotalous": ("circular", "econom"),
    "pakkaus": ("packag",),
    "biotalous": ("bioeconom",),
}
QUERIES = [  # what the cross-engine test asks both engines
    *BRIDGED, *BRIDGED.values(), "valtionavustus", "yksityistie", "road grant", "hydrogen",
    "HORIZON-CL6-2027", "horizon-cl6-2027-01-circbio-01", "LIFE-2026-SAP-ENV-ENVIRONMENT", "2027",
    "vety 2027",
]  # fmt: skip


def records():
    """The feed's calls (English) and the state grants of Haeavustuksia (Finnish), real."""
    state_grants = parse_file(Haeavustuksia(Haeavustuksia.Settings()), STATE_GRANTS)
    return [*feed_records(), *state_grants]


def store(session) -> dict[int, Call]:
    ingest(session, records(), priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    return {call.id: call for call in session.exec(select(Call))}


@pytest.fixture
def calls(session):
    return store(session)


def found(session, text: str, sort: str = "deadline") -> list[str]:
    """The identifiers the calls page lists for `text`, any status, in its order."""
    query = CallQuery(text=text, status="", sort=sort, page_size=1000)
    page = search_calls(session, query, TODAY)
    assert page.total == len(page.rows)
    return [row.call.identifier for row in page.rows]


def words(call: Call) -> str:
    return " ".join(filter(None, [call.title, call.call_title, call.description_text])).lower()


def test_finnish_words_are_found_by_their_base_forms(session, calls):
    grant = next(c for c in calls.values() if c.identifier == STATE_GRANT)
    assert grant.title == "Yksityisteiden valtionavustukset"
    assert found(session, "valtionavustus") == [STATE_GRANT]  # "valtionavustukset"
    assert found(session, "yksityistie") == [STATE_GRANT]  # "Yksityisteiden"
    assert found(session, "Valtionavustukset yksityisteille") == [STATE_GRANT]


@pytest.mark.parametrize(("finnish", "english"), BRIDGED.items())
def test_a_finnish_word_finds_the_english_calls_of_its_english_words(
    session, calls, finnish, english
):
    by_finnish = found(session, finnish)
    assert by_finnish and sorted(by_finnish) == sorted(found(session, english))
    by_id = {c.identifier: c for c in calls.values()}
    for identifier in by_finnish:
        assert all(stem in words(by_id[identifier]) for stem in STEMS[finnish]), identifier


def test_an_english_query_finds_a_finnish_call(session, calls):
    assert STATE_GRANT in found(session, "road grant")  # "tie" is a road, "avustus" a grant
    assert STATE_GRANT in found(session, "state aid")


def test_the_page_says_what_the_words_were_searched_as(session, calls):
    page = search_calls(session, CallQuery(text="kiertotalous", status=""), TODAY)
    assert page.terms is not None and page.terms.language == "fi"
    assert page.terms.translated == (("kiertotalous", "circular economy"),)
    english = search_calls(session, CallQuery(text="circular economy", status=""), TODAY)
    assert english.terms is not None and english.terms.language == "en"


def test_identifiers_are_found_exactly_and_by_their_start(session, calls):
    identifiers = [c.identifier for c in calls.values()]
    starting = sorted(i for i in identifiers if i.lower().startswith("horizon-cl6-2027"))
    assert len(starting) > 10
    assert sorted(found(session, "HORIZON-CL6-2027")) == starting
    assert sorted(found(session, "horizon-cl6-2027")) == starting  # any case
    topic = "HORIZON-CL6-2027-01-CIRCBIO-01"
    assert found(session, topic.lower(), sort="relevance") == [topic, f"{topic}-two-stage"]
    # A query shaped like an identifier that starts none is searched as words.
    assert found(session, "CO2-2027") == found(session, "co2 2027") != []


def test_numbers_are_terms_as_written(session, calls):
    both = found(session, "hydrogen 2027")
    assert set(both) < set(found(session, "hydrogen"))
    assert set(both) <= set(found(session, "2027"))


def test_relevance_puts_the_calls_naming_the_word_in_their_title_first(session, calls):
    for word in ("hydrogen", "packaging"):
        ranked = found(session, word, sort="relevance")
        by_id = {c.identifier: c for c in calls.values()}
        in_title = [word in by_id[i].title.lower() for i in ranked]
        assert any(in_title) and not all(in_title)
        assert in_title == sorted(in_title, reverse=True), word


def test_stop_words_alone_ask_for_nothing(session, calls):
    assert len(found(session, "the and of")) == len(calls)
    assert found(session, "zyxwvut") == []


def test_a_changed_text_is_searched_as_changed(session, calls):
    """A source's new title is found at the next ingest and its old one no longer is."""
    (grant,) = [r for r in records() if r.identifier == STATE_GRANT]
    renamed = dataclasses.replace(grant, title="Yksityisteiden kunnossapito")  # test data
    ingest(session, [renamed], priority=PRIORITY, today=TODAY, now=NOW)
    session.commit()
    assert STATE_GRANT in found(session, "kunnossapito")
    assert found(session, "valtionavustus") == []


def test_the_migration_indexes_the_calls_already_stored(engine, session, calls):
    before = {text: found(session, text) for text in QUERIES}
    config = alembic_config(engine)
    session.close()
    command.downgrade(config, "0017_every_deadline_indexed")
    command.upgrade(config, "head")
    with Session(engine) as again:
        assert {text: found(again, text) for text in QUERIES} == before


def statements_of(engine, run) -> list[tuple[str, object]]:
    """The SQL statements (and their parameters) `run()` sends to the engine."""
    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


WORDS_INDEX = {"sqlite": "callsearch_fts", "postgresql": "ix_callsearch_document"}


def page_plan(engine, session, query: CallQuery) -> list:
    """The engine's plans of the statements that choose and count the calls of the calls page
    for `query`, in the order sent (PostgreSQL vacuumed and analysed as its autovacuum keeps
    it, told not to scan tables, as it would on tables this small)."""
    sent = statements_of(engine, lambda: search_calls(session, query, TODAY))
    choosing = [(s, p) for s, p in sent if "count(*)" in s or "LIMIT" in s]
    return [row for statement in choosing for row in plan_of(engine, *statement)]


def plan_of(engine, statement: str, parameters) -> list:
    """The engine's plan of a statement sent (PostgreSQL as in `page_plan`)."""
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("SET enable_seqscan = off")
        return list(connection.exec_driver_sql(explain + statement, parameters).all())


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (CallQuery(text="HORIZON-CL6-2027"), "ix_call_identifier_prefix"),
        (CallQuery(text="kiertotalous"), WORDS_INDEX),
        (CallQuery(text="kiertotalous", status="open", programme=HORIZON), WORDS_INDEX),
        (CallQuery(text="kiertotalous", programme=HORIZON, sort="relevance"), WORDS_INDEX),
    ],
)
def test_searches_read_an_index_not_every_call(engine, session, calls, query, index):
    """The page's query for an identifier and for words, explained by the engine: an index
    answers it. With a filter of its own index too (the programme), SQLite still matches the
    words once, first, not again for each call the filter's index finds."""
    plan = page_plan(engine, session, query)
    text_plan = "\n".join(str(row) for row in plan)
    name = engine.dialect.name
    assert (index[name] if isinstance(index, dict) else index) in text_plan, text_plan
    if name == "sqlite":
        assert not re.search(r"SCAN call\b", text_plan)  # a full scan of the calls table
        first_read = next(row[3] for row in plan if re.match("(SCAN|SEARCH) ", row[3]))
        assert index != WORDS_INDEX or "callsearch_fts" in first_read, text_plan


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_reads_the_open_calls_of_a_programme_as_one_range_of_an_index(
    engine, session, calls
):
    """The condition "not closed" is an expression the live calls' indexes hold (0024): the
    plan seeks the open calls' range in the index, instead of reading every live call of the
    programme in it and filtering (the condition sent must be the indexed expression)."""
    query = CallQuery(status="open", programme=HORIZON)
    text_plan = "\n".join(row[0] for row in page_plan(engine, session, query))
    assert "ix_call_live_programme_last_day" in text_plan, text_plan
    sought = re.search(
        r"Index Cond: .*COALESCE\(final_deadline, '9999-12-31'::date\)\) >=", text_plan
    )
    assert sought, text_plan


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_reads_only_the_calls_an_identifiers_start_finds(engine, session, calls):
    """An identifier's start: PostgreSQL reads the calls through the two ranges of the
    identifiers' indexes, and no other way. Given the start as a subquery of ids, it joined
    them to every call it read in full (at 50,000 calls: 70 ms for the 2,882 of
    "HORIZON-CL6-2027", 7 ms by the ranges)."""
    plan = [row[0] for row in page_plan(engine, session, CallQuery(text="HORIZON-CL6-2027"))]
    reads = [m[1] for line in plan if (m := re.search(r"(\w[\w ]*) on call\b", line))]
    assert reads and set(reads) == {"Bitmap Heap Scan"}, plan
    indexes = {m[1] for line in plan if (m := re.search(r"Bitmap Index Scan on (\w+)", line))}
    assert indexes == {"ix_call_identifier_prefix", "ix_call_call_identifier_prefix"}, plan


@pytest.mark.parametrize("status", ["current", "open"])
def test_the_calls_still_in_play_are_read_as_a_range_of_their_index(engine, session, calls, status):
    """The calls page as it opens (the current calls by next deadline) and the open calls: both
    engines seek a range of an index of the calls by their last day that also holds what the
    statuses read (0024, 0025, 0028), whether the live calls' or the unmerged calls'. SQLite,
    planning without statistics, read `withdrawn_at IS NULL` as an equality in that column's
    index instead, and so every call's row."""
    text_plan = "\n".join(str(row) for row in page_plan(engine, session, CallQuery(status=status)))
    assert re.search(r"ix_call_(live|unmerged)_last_day", text_plan), text_plan
    assert not re.search(r"SCAN call\b|Seq Scan", text_plan), text_plan


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("sort", "index"), [("newest", "ix_call_newest"), ("budget", "ix_call_budget")]
)
@pytest.mark.parametrize("status", ["current", "closed"])
def test_a_list_by_newest_or_budget_is_read_in_the_order_of_its_index(
    engine, session, calls, sort, index, status
):
    """Sorted by newest or budget, SQLite reads the page's calls from the end of that order's
    index (0027), and no sort of the calls found follows: planning without statistics, it read
    the live calls' range by their last day and sorted all of them (62 ms at 50,000 calls, 7
    now). PostgreSQL chooses by its statistics: at 50,000 calls the same index (76 -> 14 ms)."""
    text_plan = "\n".join(map(str, page_plan(engine, session, CallQuery(status=status, sort=sort))))
    assert index in text_plan, text_plan
    assert not re.search(r"TEMP B-TREE FOR ORDER BY|Sort Key", text_plan), text_plan


def test_calls_of_any_status_are_counted_and_bounded_from_the_index_of_the_unmerged(
    engine, session, calls
):
    """Calls of any status: both engines read the unmerged calls from their index by last day
    (0028) to count them and to bound the deadlines within reach, not every call's wide row
    (PostgreSQL counted 49,397 rows in 48 ms at 50,000 calls, SQLite sorted them all by last
    day for the bound). The bound seeks the calls whose last day is ahead: read from the first,
    it passed the 29,874 closed ones first once they were the most (64 -> 20 ms)."""
    text_plan = "\n".join(str(row) for row in page_plan(engine, session, CallQuery()))
    assert "ix_call_unmerged_last_day" in text_plan, text_plan
    sought = r"ix_call_unmerged_last_day \(<expr>>\?\)|Index Cond: \(+COALESCE\(final_deadline"
    assert re.search(sought, text_plan), text_plan
    assert not re.search(r"SCAN call'|Seq Scan on call", text_plan), text_plan  # every row


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_reads_the_closed_calls_from_the_indexes_of_their_dates_and_withdrawals(
    engine, session, calls
):
    """The closed calls, ended by their dates or withdrawn: SQLite reads each side of that OR
    from its index (queries.EPOCH), not every unmerged call's id and row."""
    text_plan = "\n".join(
        str(row) for row in page_plan(engine, session, CallQuery(status="closed"))
    )
    assert "ix_call_dates" in text_plan and "ix_call_withdrawn_at" in text_plan, text_plan
    assert "ix_call_unmerged" not in text_plan and not re.search(r"SCAN call\b", text_plan)


def test_the_search_forms_types_of_action_are_read_from_an_index(engine, session, calls):
    """The choices of the search form's type of action (tracker.search.filter_options), read
    once a minute in each web worker: an index of the column, not every call's row."""
    sent = statements_of(engine, lambda: filter_options(session))
    statement, parameters = next((s, p) for s, p in sent if "type_of_action" in s)
    text_plan = "\n".join(str(row) for row in plan_of(engine, statement, parameters))
    assert "ix_call_type_of_action" in text_plan, text_plan
    stored = {call.type_of_action for call in calls.values()} - {None}
    assert filter_options(session)["type_of_action"] == sorted(stored)


@pytest.mark.postgres
def test_both_engines_find_the_same_calls(tmp_path, sqlite_template, pg_database):
    path = tmp_path / "radar.db"
    shutil.copyfile(sqlite_template, path)
    sqlite = make_engine(f"sqlite:///{path}")
    results = {}
    try:
        for engine in (sqlite, pg_database):
            migrate(engine)
            with Session(engine) as session:
                ids = {c.identifier: c.id for c in store(session).values()}
                results[engine.dialect.name] = {
                    text: sorted(ids[i] for i in found(session, text)) for text in QUERIES
                }
    finally:
        sqlite.dispose()
        empty_postgres(pg_database)
    assert all(results["sqlite"].values())
    assert results["sqlite"] == results["postgresql"]


def test_the_kept_match_index_checks_what_changed_without_reading_every_call(
    engine, session, settings, calls
):
    """Each use of the kept match index (a feedback, a profile saved, an ingest's new calls)
    first asks whether any call was added, changed or merged: from indexes, not every call's
    row (44 ms on PostgreSQL at 50,000 calls when the merged were counted from the rows). A
    call merged into another then leaves the index."""
    index = INDEXES.calls(session, settings, TODAY)
    sent = statements_of(engine, lambda: INDEXES.calls(session, settings, TODAY))
    assert len(sent) >= 3  # what changed, asked; nothing had: no more
    for statement, parameters in sent:
        text_plan = "\n".join(str(row) for row in plan_of(engine, statement, parameters))
        assert not re.search(r"SCAN call\b'|Seq Scan on call\b", text_plan), text_plan
    live = in_play(index)
    merged, kept = session.get(Call, int(live[0])), int(live[1])
    merged.merged_into_id = kept
    session.add(merged)
    session.commit()
    index = INDEXES.calls(session, settings, TODAY)
    assert in_play(index) == live[1:]


def in_play(index) -> list[str]:
    """The ids of the calls a match index scores."""
    return sorted(call for call, row in index.call_pos.items() if row not in index.retired)
