"""Small helpers the source parsers share: JSON bodies, plain text as HTML, extra fields."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from scrapers.base import Page
from scrapers.errors import SourceError


def load_json(source: str, page: Page) -> Any:
    """The page body as JSON; a body that is not JSON fails the source."""
    try:
        with page.open() as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(source, f"{page.url} is not JSON: {exc}") from None


def require(source: str, data: object, key: str, kind: type, where: str) -> Any:
    """data[key] when data is a dict holding a `kind` there; else the source fails, naming it."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind):
        raise SourceError(source, f"{where} has no {key!r} ({kind.__name__})")
    return value


def text_to_html(text: str | None) -> str | None:
    """Plain text as escaped HTML paragraphs (blank lines separate them), None when empty."""
    if not text or not text.strip():
        return None
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def extra_pairs(values: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """CallRecord.extra from a mapping: sorted by key, empty values left out."""
    return tuple(sorted((k, str(v)) for k, v in values.items() if v not in (None, "", [], ())))


def http_status(error: SourceError) -> int | None:
    """The HTTP status of a failed request, read from HttpClient's "HTTP <code> from" message."""
    # HttpClient raises one SourceError for every status >= 400; its message is the only carrier.
    match = re.match(r"HTTP (\d{3}) from ", error.problem)
    return int(match.group(1)) if match else None
