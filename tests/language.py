"""What a rendered page says, checked for one language: no text of the other language, no raw
stored value, no message that is not the service's own. Used by the page tests and the
browser journeys."""

from __future__ import annotations

import re
from functools import cache

from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from matcher.feedback import REASONS
from scrapers import SOURCES
from tracker.accounts import ROLES
from tracker.applications import REASONS as APPLICATION_REASONS
from tracker.applications import STAGES
from tracker.config import load_settings
from tracker.matching import VERDICTS
from tracker.search import CURRENT, STATUSES
from webapp.forms import ORGANISATION_TYPES, ROLES_OF_ACTOR
from webapp.i18n import TRANSLATIONS
from webapp.labels import ELIGIBLE_TYPES

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@cache
def catalog() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(English texts, Finnish texts) of each translated message, plural forms included."""
    with (TRANSLATIONS / "fi" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        messages = read_po(handle, locale="fi")

    def forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v for v in (value if isinstance(value, tuple) else (value,)) if v)

    return [(forms(m.id), forms(m.string)) for m in messages if m.id and m.string]


def _alternatives(texts: set[str]) -> str:
    """One regular expression for all `texts`, each placeholder standing for any text."""
    return "|".join(
        ".+?".join(re.escape(part.replace("%%", "%")) for part in PLACEHOLDER.split(text))
        for text in sorted(texts, key=len, reverse=True)
    )


@cache
def foreign(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Texts of the other language than `language` that differ in `language`: those of one or
    two words besides their values, found as a whole text (a call's title may hold "from");
    longer ones, found anywhere in a text as whole words."""
    other = 0 if language == "fi" else 1
    texts = {t for pair in catalog() for t in pair[other] if t not in pair[1 - other]}
    short = {t for t in texts if len(PLACEHOLDER.sub("", t).split()) < 3}
    whole = re.compile(f"(?:{_alternatives(short)})")
    anywhere = re.compile(rf"(?<!\w)(?:{_alternatives(texts - short)})(?!\w)")
    return whole, anywhere


@cache
def own(language: str) -> re.Pattern[str]:
    """Any whole text of the catalog in `language`."""
    index = 0 if language == "en" else 1
    return re.compile(f"(?:{_alternatives({t for pair in catalog() for t in pair[index]})})")


THEME_KEYS = tuple(t.name for t in load_settings(env={}).matching.themes)
RAW_WORDS = {
    *ROLES,
    *(key for key, _label in ROLES_OF_ACTOR),
    *VERDICTS,
    *REASONS,
    *STAGES,
    *APPLICATION_REASONS,
    *STATUSES,
    CURRENT,
    *(key for key, _label in ORGANISATION_TYPES),
    *ELIGIBLE_TYPES,
    *THEME_KEYS,
    *(s.name for s in SOURCES),
}
RAW_ANYWHERE = re.compile(
    r"(?<![\w/.-])(?:"
    + "|".join(re.escape(k) for k in RAW_WORDS if "_" in k)
    + r"|(?:stage|cut-off) \d+)(?![\w/.-])"
)


def page_texts(soup: BeautifulSoup) -> list[str]:
    """The page's own texts: text nodes and labels for assistive technology, whitespace
    collapsed; scraped call texts (shown in `.description`) are the sources' words."""
    for node in soup.select("script, style, .description"):
        node.decompose()
    texts = [" ".join(s.split()) for s in soup.find_all(string=True)]
    for attribute in ("aria-label", "title", "placeholder", "alt"):
        texts += [" ".join(e[attribute].split()) for e in soup.find_all(attrs={attribute: True})]
    return [t for t in texts if t]


def problems_of(html: str, language: str) -> list[str]:
    """Texts of the other language, raw values, and messages that are not the service's own."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.find(True) if soup.title else None  # a block left open in a template
    if title is not None:
        return [f"markup inside the page title: {str(soup.title)[:80]!r}"]
    flashed = [" ".join(p.get_text().split()) for p in soup.select(".messages .flash")]
    texts = page_texts(soup)
    whole, anywhere = foreign(language)
    return [
        *(f"untranslated {t!r}" for t in texts if whole.fullmatch(t)),
        *(f"untranslated {m.group(0)!r}" for t in texts for m in [anywhere.search(t)] if m),
        *(f"raw value {t!r}" for t in texts if t in RAW_WORDS),
        *(f"raw value {m.group(0)!r}" for t in texts for m in [RAW_ANYWHERE.search(t)] if m),
        *(f"message not in the catalog {t!r}" for t in flashed if not own(language).fullmatch(t)),
    ]
