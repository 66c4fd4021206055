"""Scraped HTML made safe to show, and its plain text for search and matching."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

_SPACE = re.compile(r"\s+")


def sanitize(html: str | None) -> str | None:
    """HTML with scripts, styles, event handlers and unsafe URLs removed."""
    if not html:
        return None
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")


def to_text(markup: str | None) -> str | None:
    """The visible text of an HTML fragment, whitespace collapsed."""
    if not markup:
        return None
    # A space before every tag keeps words of adjacent blocks apart once the tags are gone.
    text = html.unescape(nh3.clean(markup.replace("<", " <"), tags=set()))
    return _SPACE.sub(" ", text).strip() or None


def is_web_link(url: str | None) -> bool:
    """Whether an address may become a link: http and https only, never `javascript:`."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")
