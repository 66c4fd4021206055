"""`radar backup` and `radar restore`: a database filled from the real fixtures goes into one file
and comes back with the same rows on the other engine (SQLite to PostgreSQL and back); a damaged
file, another schema revision or a database with rows is refused in one line, storing nothing."""

import gzip
import json
import shutil

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.conftest import FIXTURES, SHARED, empty_postgres
from tests.tracker.helpers import FEED_FILE, SEDIA_FILES, fill, radar_on, reflected
from tracker.accounts import LoginLimits, authenticate, find_user, issue_api_token
from tracker.backup import tables
from tracker.db import head_revision, make_engine, session_scope
from tracker.matching import record_feedback
from tracker.models import Actor, Call, DuplicateCandidate, Match, utcnow

TODAY = "2026-08-22"
CORDIS = SHARED / "data" / "cordis"
STATE_GRANTS = FIXTURES / "finland" / "haeavustuksia_list-items_page1_reduced.json"
BEYOND_FLOAT = 2**62 + 1  # BIGINT money a float (exact to 2^53) would round


@pytest.fixture
def target(request, engine, tmp_path):
    """A new database of the engine `engine` is not: SQLite without a schema, or PostgreSQL."""
    if engine.dialect.name == "sqlite":
        other = request.getfixturevalue("pg_database")
        yield other
        empty_postgres(other)
        return
    other = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    yield other
    other.dispose()


def fill_from_fixtures(engine, settings) -> None:
    """Every table, filled by the service's own commands and functions from recorded responses;
    the few no command reaches without a web request or a mail server by the schema filler."""
    radar = radar_on(engine)
    for command in (
        ("ingest", "ft_search", *SEDIA_FILES, "--today", TODAY),
        ("ingest", "eu_grants_feed", FEED_FILE, "--today", TODAY),
        (
            "import-cordis",
            CORDIS / "horizon_organization_2024-05.csv",
            "--region",
            "FI1C2",
            "--topics",
            CORDIS / "horizon_topics_2026-04.csv",
        ),
        ("match", "--today", TODAY),
        ("create-user", "kirsi@hame.example", "--role", "admin", "--password", "long enough pw"),
    ):
        assert radar(*command).exit_code == 0, command
    with session_scope(engine) as session:
        user = find_user(session, "kirsi@hame.example")
        issue_api_token(session, user)
        authenticate(session, user.email, "wrong password", "192.0.2.1", utcnow(), LoginLimits())
        match = session.exec(select(Match).order_by(Match.id)).first()
        record_feedback(
            session,
            settings,
            actor_id=match.actor_id,
            call_id=match.call_id,
            verdict="not_relevant",
            reason="topic",
            user_id=user.id,
            today=utcnow().date(),
            now=utcnow(),
        )
        ids = session.exec(select(Call.id).order_by(Call.id)).all()
        # A call merged into one stored after it: restore meets the link before its target.
        pair = DuplicateCandidate(call_id=ids[-1], other_id=ids[0], similarity=0.9)
        session.add(pair)
        session.flush()
        actor = session.exec(select(Actor).order_by(Actor.id)).first()
        actor.cofinancing_eur = BEYOND_FLOAT
    assert radar("duplicates", "--confirm", pair.id).exit_code == 0
    fill(engine, only_empty=True)


def rows(engine) -> dict[str, list[dict]]:
    """Every row of every table, in id order, as the service reads them."""
    with Session(engine) as session:
        return {
            table.name: [
                dict(row)
                for row in session.execute(
                    sa.select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in tables()
        }


def file_lines(path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_a_backup_restores_every_row_on_the_other_engine(engine, target, settings, tmp_path):
    fill_from_fixtures(engine, settings)
    file = tmp_path / "radar-backup.jsonl.gz"
    made = radar_on(engine)("backup", file)
    assert made.exit_code == 0, made.output
    restored = radar_on(target)
    assert restored("init").exit_code == 0
    result = restored("restore", file)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(made.output.split(" written")[0])  # same rows, same tables

    before, after = rows(engine), rows(target)
    assert all(before.values()), [name for name, kept in before.items() if not kept]
    assert after == before
    assert BEYOND_FLOAT in [actor["cofinancing_eur"] for actor in after["actor"]]
    assert any(call["merged_into_id"] for call in after["call"])

    # Every table the database has is in the file, with its rows: none is left behind (the
    # full-text index of SQLite is written by its triggers from the rows of `callsearch`).
    stored = set(reflected(engine).tables) - {"alembic_version"}
    lines = file_lines(file)
    assert set(lines[0]["tables"]) == stored
    assert {line["table"] for line in lines[1:-1]} == stored

    # The next rows get new ids: the sequences continue after the restored ones.
    assert restored("ingest", "haeavustuksia", STATE_GRANTS, "--today", TODAY).exit_code == 0
    added = restored("create-user", "uusi@hame.example", "--role", "staff", "--password", "x" * 12)
    assert added.exit_code == 0, added.output
    assert len(rows(target)["call"]) > len(before["call"])


@pytest.fixture
def small_backup(engine, tmp_path):
    """A backup of the real open F&T calls, with their versions, change events and run."""
    radar = radar_on(engine)
    assert radar("ingest", "ft_search", *SEDIA_FILES, "--today", TODAY).exit_code == 0
    file = tmp_path / "small.jsonl.gz"
    assert radar("backup", file).exit_code == 0
    return file


def rewritten(path, change) -> None:
    """The backup with `change(lines)` applied, compressed again."""
    lines = change(file_lines(path))
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line) + "\n" for line in lines)


def refused(engine, file) -> str:
    """The one line `radar restore` refuses with; nothing is stored."""
    result = radar_on(engine)("restore", file)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not any(rows(engine).values())
    return result.output


def test_a_backup_that_cannot_be_written_says_so_and_leaves_no_file(engine, tmp_path):
    result = radar_on(engine)("backup", tmp_path / "missing" / "radar.jsonl.gz")
    assert result.exit_code == 1
    assert result.output.startswith("Error: backup not written: ")
    assert len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.rglob("*.gz*")) == []


def test_a_database_with_rows_is_refused_and_kept_as_it_was(engine, small_backup):
    before = rows(engine)
    output = radar_on(engine)("restore", small_backup).output
    assert "not empty (table call has rows)" in output
    assert rows(engine) == before


def test_another_schema_revision_is_refused(small_backup, target):
    radar_on(target)("init")
    rewritten(small_backup, lambda lines: [{**lines[0], "revision": "0008"}, *lines[1:]])
    expected = f"the backup has schema 0008 and this code {head_revision()}"
    assert expected in refused(target, small_backup)


def test_a_cut_file_is_refused_and_nothing_is_stored(small_backup, target):
    radar_on(target)("init")
    data = small_backup.read_bytes()
    small_backup.write_bytes(data[: len(data) * 3 // 4])
    assert "damaged or cut short after line" in refused(target, small_backup)


def with_changed_row(change):
    """A change of the row on the file's last row line, of the call versions' table."""

    def apply(lines):
        *rest, last, end = lines
        return [*rest, change(last), end]

    return apply


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (with_changed_row(lambda line: {**line, "table": "calls"}), "unknown table 'calls'"),
        (
            with_changed_row(lambda line: {**line, "row": {**line["row"], "score": 1}}),
            "table callversion has no column score",
        ),
        (
            with_changed_row(lambda line: {**line, "row": {**line["row"], "created_at": "never"}}),
            "callversion.created_at: Invalid isoformat string: 'never'",
        ),
        (
            with_changed_row(lambda line: {**line, "row": {**line["row"], "call_id": 99999}}),
            "table callversion: the database refused a row",
        ),
        (lambda lines: lines[:-1], "the file ends before its end line"),
    ],
)
def test_a_broken_line_is_refused_by_its_line_and_table(small_backup, target, change, message):
    radar_on(target)("init")
    rewritten(small_backup, change)
    assert message in refused(target, small_backup)


def test_a_line_that_is_not_json_is_named(small_backup, target):
    radar_on(target)("init")
    text = gzip.decompress(small_backup.read_bytes()).decode().splitlines(keepends=True)
    text[3] = text[3][:40] + "\n"
    small_backup.write_bytes(gzip.compress("".join(text).encode()))
    assert "line 4 is not JSON" in refused(target, small_backup)


def test_a_nul_sqlite_kept_in_a_text_is_left_out_for_postgresql(
    sqlite_template, pg_database, tmp_path
):
    copy = tmp_path / "old.db"
    shutil.copyfile(sqlite_template, copy)
    source = make_engine(f"sqlite:///{copy}")
    radar = radar_on(source)
    assert radar("ingest", "ft_search", SEDIA_FILES[0], "--today", TODAY).exit_code == 0
    with source.begin() as connection:  # as rows stored before NULs were removed at ingest
        connection.execute(sa.text("UPDATE call SET title = title || char(0) || '.' WHERE id = 1"))
    file = tmp_path / "old.jsonl.gz"
    assert radar("backup", file).exit_code == 0
    restored = radar_on(pg_database)("restore", file)
    try:
        assert restored.exit_code == 0, restored.output
        titles = {row["id"]: row["title"] for row in rows(pg_database)["call"]}
        expected = {row["id"]: row["title"].replace("\x00", "") for row in rows(source)["call"]}
        assert titles == expected and titles[1].endswith(".")
    finally:
        empty_postgres(pg_database)
        source.dispose()
