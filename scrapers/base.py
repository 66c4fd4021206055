"""The interface every source implements: fetch() pages, parse() them into CallRecords."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

from scrapers.errors import SourceError
from scrapers.fields import Parsed
from scrapers.http import HttpClient

__all__ = ["Page", "Source", "SourceError", "SourceSettings"]


@dataclass(frozen=True)
class Page:
    """One raw response: bytes in memory, or a file on disk for bodies too big to hold."""

    source: str
    url: str
    body: bytes | Path
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def open(self) -> IO[bytes]:
        if isinstance(self.body, Path):
            return self.body.open("rb")
        return io.BytesIO(self.body)

    def read(self) -> bytes:
        with self.open() as handle:
            return handle.read()


@dataclass
class SourceSettings:
    """Settings every source has; a source subclasses this for its own keys."""

    enabled: bool = True
    interval_minutes: int = 360
    pause_seconds: float = 1.0


class Source(Protocol):
    """A source of calls. `state` is kept between runs (e.g. HTTP validators)."""

    name: ClassVar[str]
    Settings: ClassVar[type[SourceSettings]]
    # fetch() yields a record for every call the source lists now, so a call missing from a
    # run that completed was dropped by the source (tracker.withdrawals).
    complete_listing: ClassVar[bool]

    def __init__(self, settings: Any) -> None: ...

    def fetch(self, http: HttpClient, state: dict[str, Any]) -> Iterator[Page]: ...

    def parse(self, page: Page) -> Iterator[Parsed]: ...
