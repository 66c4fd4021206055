"""Locks one process at a time holds for a database, released when the process ends, even when
it is killed: a file beside a SQLite database (flock), a PostgreSQL advisory lock (which holds
across hosts)."""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine


class ProcessLock:
    """The lock `name` of a database: the scheduler's, or the one every source run holds."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self._held: IO[str] | Connection | None = None
        self._key = int.from_bytes(hashlib.sha256(f"radar:{name}".encode()).digest()[:8], "big", signed=True)  # fmt: skip
        database = engine.url.database or ""
        self.name = name
        self.what = database if engine.dialect.name == "sqlite" else engine.url.render_as_string()
        self._path = Path(f"{database}.{name}.lock")

    def acquire(self, *, wait: bool = False) -> bool:
        """Take the lock; unless `wait`, give up at once when another holder has it."""
        if self._engine.dialect.name == "postgresql":
            connection = self._engine.connect()
            take = func.pg_advisory_lock if wait else func.pg_try_advisory_lock
            if connection.execute(select(take(self._key))).scalar() is not False:
                connection.commit()  # the lock is the session's: no transaction left open
                self._held = connection
                return True
            connection.close()
            return False
        handle = self._path.open("w")  # noqa: SIM115 (held while locked)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._held = handle
        return True

    def release(self) -> None:
        held: Any = self._held
        if isinstance(held, Connection):
            held.execute(select(func.pg_advisory_unlock(self._key)))
            held.commit()
        if held is not None:
            held.close()
        self._held = None
