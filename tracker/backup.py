"""`radar backup` and `radar restore`: every table of the schema in one portable file.

The file is gzip-compressed JSON Lines: a header (format, version, schema revision, tables),
then one line per row in foreign-key order, then an end line with the rows of each table.
Tables come from the models' metadata, so a table added later is saved without a list to keep.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Executable, Integer, Table, TypeDecorator, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel

from tracker import models, models_web  # noqa: F401  (registers every table)
from tracker.db import head_revision

FORMAT = "radar-backup"
VERSION = 1
BATCH = 500


class BackupError(Exception):
    """A backup file or a target database that restore refuses, with the reason."""


def tables() -> list[Table]:
    """Every table the service stores, parents before the rows that point at them."""
    return list(SQLModel.metadata.sorted_tables)


def backup(engine: Engine, path: Path) -> dict[str, int]:
    """Write every row into `path` (replaced only when complete); the rows of each table."""
    partial = path.with_name(path.name + ".partial")
    try:
        # Level 6 writes about a third faster than gzip's default 9, for a file 1 % larger.
        with (
            _snapshot(engine) as connection,
            gzip.open(partial, "wt", encoding="utf-8", compresslevel=6) as out,
        ):
            counts = _write(connection, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return counts


def _write(connection: Connection, out: TextIO) -> dict[str, int]:
    header = {"format": FORMAT, "version": VERSION, "revision": head_revision()}
    out.write(_line({**header, "tables": [t.name for t in tables()]}))
    counts: dict[str, int] = {}
    for table in tables():
        counts[table.name] = 0
        query = select(table).order_by(*table.primary_key.columns)
        for row in connection.execution_options(yield_per=BATCH).execute(query).mappings():
            values = {name: _without_nul(value) for name, value in row.items()}
            out.write(_line({"table": table.name, "row": values}))
            counts[table.name] += 1
    out.write(_line({"end": counts}))
    return counts


def _snapshot(engine: Engine) -> Connection:
    """A connection that reads every table as of one moment while writers go on."""
    if engine.dialect.name != "sqlite":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    connection = engine.connect()
    connection.exec_driver_sql("BEGIN")  # pysqlite starts no transaction for reads by itself
    return connection


def _without_nul(value: Any) -> Any:
    """PostgreSQL's text holds no NUL: only rows SQLite kept from before NULs were removed do."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=_encode) + "\n"


def _encode(value: Any) -> str:
    """Values JSON lacks, as text; integers stay exact (never floats) in JSON itself."""
    if isinstance(value, datetime | date):
        return value.isoformat()  # a datetime keeps its offset when it has one
    raise TypeError(f"no backup form for {type(value).__name__}: add one in tracker/backup.py")


DECODERS: dict[type, Callable[[Any], Any]] = {
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
}


def _decoder(column: Any) -> Callable[[Any], Any] | None:
    """How a column's text from `_encode` is read back: by the column's Python type."""
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    try:
        return DECODERS.get(kind.python_type)
    except NotImplementedError:  # types without one hold plain JSON values
        return None


def restore(engine: Engine, path: Path) -> dict[str, int]:
    """Load a backup into an empty database in one transaction; the rows of each table."""
    lines = _lines(path)
    _check_header(next(lines, (1, {})))
    with engine.begin() as connection:
        _require_empty(connection)
        counts = _Loader(connection).load(lines)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return counts


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's lines as JSON objects with their numbers; a damaged file fails naming the line."""
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                value = json.loads(text)
                if not isinstance(value, dict):
                    raise BackupError(f"{path}: line {number} is not a JSON object")
                yield number, value
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise BackupError(f"{path}: damaged or cut short after line {number}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"{path}: line {number} is not JSON: {exc}") from None


def _check_header(line: tuple[int, dict[str, Any]]) -> None:
    _, header = line
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(f"not a {FORMAT} file of version {VERSION}")
    if header.get("revision") != head_revision():
        raise BackupError(
            f"the backup has schema {header.get('revision')} and this code {head_revision()}: "
            "restore it with the radar version that made it"
        )


def _require_empty(connection: Connection) -> None:
    for table in tables():
        if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            raise BackupError(
                f"the database is not empty (table {table.name} has rows): "
                "restore into a new database made by `radar init`"
            )


class _Loader:
    """Inserts rows table by table in batches; a column pointing at its own table is set after."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables = {t.name: t for t in tables()}
        self.table: Table | None = None
        self.decoders: dict[str, Callable[[Any], Any]] = {}
        self.batch: list[dict[str, Any]] = []
        self.links: list[tuple[Any, str, Any]] = []  # (primary key, column, value) set after
        self.counts = dict.fromkeys(self.tables, 0)

    def load(self, lines: Iterator[tuple[int, dict[str, Any]]]) -> dict[str, int]:
        for number, line in lines:
            if "end" in line:
                self._finish_table()
                wrong = [n for n, rows in self.counts.items() if line["end"].get(n) != rows]
                if wrong or next(lines, None) is not None:
                    raise BackupError(f"line {number}: the rows differ from the end line: {wrong}")
                return self.counts
            self._add(number, line)
        raise BackupError("the file ends before its end line: the backup is incomplete")

    def _add(self, number: int, line: dict[str, Any]) -> None:
        table = self.tables.get(line.get("table", ""))
        if table is None:
            raise BackupError(f"line {number}: unknown table {line.get('table')!r}")
        if table is not self.table:
            self._finish_table()
            self._start_table(table)
        row = line.get("row", {})
        unknown = set(row) - set(table.columns.keys())
        if unknown:
            raise BackupError(f"line {number}: table {table.name} has no column {min(unknown)}")
        for name, decode in self.decoders.items():
            if row.get(name) is not None:
                try:
                    row[name] = decode(row[name])
                except ValueError as exc:
                    raise BackupError(f"line {number}: {table.name}.{name}: {exc}") from None
        self._defer_self_links(table, row)
        self.batch.append(row)
        self.counts[table.name] += 1
        if len(self.batch) >= BATCH:
            self._execute(table.insert(), self.batch)
            self.batch = []

    def _start_table(self, table: Table) -> None:
        self.table = table
        decoders = ((c.name, _decoder(c)) for c in table.columns)
        self.decoders = {name: decode for name, decode in decoders if decode is not None}

    def _defer_self_links(self, table: Table, row: dict[str, Any]) -> None:
        """A row may point at a row of its own table further on: insert NULL, set it after."""
        for column in table.columns:
            if row.get(column.name) is not None and _points_at(column, table):
                (key,) = table.primary_key.columns
                self.links.append((row[key.name], column.name, row[column.name]))
                row[column.name] = None

    def _finish_table(self) -> None:
        table = self.table
        if table is None:
            return
        if self.batch:
            self._execute(table.insert(), self.batch)
        for key, name, value in self.links:
            (primary,) = table.primary_key.columns
            self._execute(table.update().where(primary == key).values({name: value}))
        self.batch, self.links = [], []

    def _execute(self, statement: Executable, rows: list[dict[str, Any]] | None = None) -> None:
        try:
            self.connection.execute(statement, rows)
        except StatementError as exc:
            reason = str(exc.orig).splitlines()[0]
            name = self.table.name if self.table is not None else "?"
            raise BackupError(f"table {name}: the database refused a row: {reason}") from None


def _points_at(column: Any, table: Table) -> bool:
    return any(key.column.table is table for key in column.foreign_keys)


def _reset_sequences(connection: Connection) -> None:
    """Each id sequence continues after the restored rows, so the next insert does not collide."""
    for table in tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):
                name = connection.dialect.identifier_preparer.format_table(table)
                sequence = func.pg_get_serial_sequence(name, column.name)
                next_id = func.coalesce(func.max(column), 0) + 1
                connection.execute(select(func.setval(sequence, next_id, False)))
