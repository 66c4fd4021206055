"""Raw responses of a live run saved as new fixtures, with the URL and date they came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapers.base import Page
from scrapers.http import HttpClient


def record(source: Any, http: HttpClient, out: Path) -> list[Path]:
    """Fetch every page of `source` afresh (no saved state) and write each body to `out`."""
    folder = out / source.name
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, page in enumerate(source.fetch(http, {}), start=1):
        body = page.read()
        stamp = page.fetched_at.strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"{stamp}-{number:03d}{_extension(body)}"
        path.write_bytes(body)
        meta = {"source": source.name, "url": page.url, "fetched_at": page.fetched_at.isoformat()}
        path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        written.append(path)
        _discard(page)
    return written


def _extension(body: bytes) -> str:
    return ".json" if body.lstrip()[:1] in (b"{", b"[") else ".html"


def _discard(page: Page) -> None:
    if isinstance(page.body, Path):
        page.body.unlink(missing_ok=True)  # a streamed download, now copied
