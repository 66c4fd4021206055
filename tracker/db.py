"""Engine, sessions and migrations; the only place that opens database connections."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, String, Table, any_, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


SQLITE_MAP_BYTES = 1 << 30  # address space, not memory: pages are mapped as they are read


def make_engine(url: str, *, echo: bool = False, mapped: bool = False) -> Engine:
    """An engine for SQLite (default) or PostgreSQL (`postgresql+psycopg://`); `mapped`: SQLite
    reads the file through mmap, as the web's workers do (`_map_file`)."""
    # The JSON columns by orjson: the standard library's json took a tenth of a nightly
    # re-score at 50,000 calls (226,000 values read, 250,000 written).
    options: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": json_value}
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        if mapped:
            event.listen(engine, "connect", _map_file)
        return engine
    # No JIT: the calls list's plans cost enough to be compiled, and compiling took 32 ms of a
    # 200 ms query at 50,000 calls, on every request (short queries gain nothing from it).
    jit = {"options": "-c jit=off"}
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=jit, **options)


def json_text(value: Any) -> str:
    """A value of a JSON column as stored: keys that are not text and numpy's numbers written
    as the standard library's json writes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def json_value(stored: str | bytes) -> Any:
    """A stored JSON text's value; anything else is refused with json's TypeError, by which
    SQLAlchemy keeps the number that SQLite's json_extract gives as it is."""
    if not isinstance(stored, str | bytes):
        raise TypeError(f"JSON is text, not {type(stored).__name__}")
    return orjson.loads(stored)


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _map_file(connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Reads through the OS's page cache, shared by every connection and worker, rather than
    a few MB of SQLite's own cache per connection: the calls list's 2,280 hits for
    "kiertotalous" at 50,000 calls were each a read() of a call's page (7.2 -> 4.8 ms). Jobs,
    which read each row once, do not map: mapped pages count in a process's resident memory
    (the nightly re-score's peak 678 -> 979 MB)."""
    connection.execute(f"PRAGMA mmap_size={SQLITE_MAP_BYTES}")


def analyse(session: Session, *models: Any) -> None:
    """PostgreSQL's planner statistics of these models' tables gathered again, as after a run
    that rewrote or grew them (its autovacuum does it later, or never where it is off); SQLite
    plans without statistics."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE " + ", ".join(m.__table__.name for m in models)))


def reclaim(session: Session, model: Any) -> None:
    """PostgreSQL: a table whose every row a committed run replaced, vacuumed (in no
    transaction, on a connection of its own): the space of the replaced rows is reused by the
    next run, and the planner's statistics are gathered again (`analyse`). Autovacuum would do
    it later, or never where it is off: three nightly re-scores at 5,000 actors left 751,104
    dead matches beside 125,000 live ones, 265 MB."""
    if session.get_bind().dialect.name != "postgresql":
        return
    with session.get_bind().engine.connect() as connection:
        vacuum = connection.execution_options(isolation_level="AUTOCOMMIT")
        vacuum.execute(text(f"VACUUM (ANALYZE) {model.__table__.name}"))


def column_rows(session: Session, statement: Any) -> Any:
    """The rows of a select of columns, read by Core on the session's connection and in its
    transaction (nothing pending is flushed first): the ORM's handling of such rows took a
    quarter of the time to read them (the match index's 47,921 calls: 2.8 -> 2.1 s of CPU)."""
    return session.connection().execute(statement)


def among(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values`, for the long lists of a batch: PostgreSQL is sent the values as one
    array (`column = ANY(…)`), so the statement's text is the same whatever their number, and
    neither SQLAlchemy nor psycopg rewrites it with a placeholder per value (a tenth of the
    client's time of the first ingest of 50,000 calls). SQLite has no arrays. Texts go as texts
    of any length: a cast to the column's length would cut a longer one to a stored value."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        stored = getattr(column.type, "impl_instance", column.type)  # SQLModel's AutoString
        element = String() if isinstance(stored, String) else column.type
        return column == any_(bindparam(None, values, type_=ARRAY(element)))
    return col(column).in_(values)


class likely(FunctionElement[bool]):  # noqa: N801 (used as a SQL function)
    """A condition most rows meet, as SQLite's planner is told (`likelihood`): without
    statistics it takes a range of an index for a few rows, and reads them by it rather than in
    the order of another index that would stop at a page. PostgreSQL, which knows, gets the
    condition as it is."""

    type = Boolean()
    inherit_cache = True


@compiles(likely)
def _condition(element: likely, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(likely, "sqlite")
def _likelihood(element: likely, compiler: Any, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.9)"


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows of the same columns inserted into a model's table at once, as given (no column
    defaults of the model): PostgreSQL copies them in, a third of the time of an insert per row;
    SQLite inserts them in one executemany."""
    if not rows:
        return
    table: Table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    as_json = {name for name in names if isinstance(table.c[name].type, JSON)}
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json_text(row[n]) if n in as_json else row[n] for n in names])


def alembic_config(engine: Engine | None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this code was written for."""


def migrate(engine: Engine) -> None:
    """Create the database or bring it to the newest schema (`radar init`)."""
    _check(engine, older_ok=True)
    command.upgrade(alembic_config(engine), "head")


def require_current_schema(engine: Engine) -> None:
    """Refuse a database whose schema is older or newer than the code, saying what to do."""
    _check(engine, older_ok=False)


def head_revision() -> str:
    """The schema revision this code was written for."""
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None, "no migrations"
    return head


def _check(engine: Engine, *, older_ok: bool) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    head = head_revision()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise SchemaMismatch(
            f"the database schema ({current}) is newer than this code ({head}): "
            "run the radar version that made it"
        )
    if not older_ok:
        raise SchemaMismatch(
            f"the database schema ({current or 'none'}) is older than this code ({head}): "
            "run `radar init` to migrate it"
        )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
