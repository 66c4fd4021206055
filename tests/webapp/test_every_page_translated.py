"""Every page in Finnish and in English, as each role sees it: no text of the other language, no
raw value (a role, status, verdict, reason, theme key, source name or deadline label key)."""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import url_for
from sqlmodel import Session, select

from matcher.feedback import REASONS
from scrapers import SOURCES
from scrapers.record import ORGANISATION_TYPES as SCRAPED_TYPES
from tests.webapp.conftest import EMAILS, INVITED, sign_in
from tracker.accounts import ROLES, link_token
from tracker.config import load_settings
from tracker.matching import VERDICTS
from tracker.models import User
from tracker.search import CURRENT, STATUSES
from webapp.forms import ORGANISATION_TYPES, ROLES_OF_ACTOR
from webapp.i18n import TRANSLATIONS
from webapp.labels import ELIGIBLE_TYPES, ROLE_NAMES, SOURCE_NAMES


def paths(app, engine, ids) -> list[str]:
    """Every GET page of the app's url_map, with real ids; the JSON API is not a page."""
    with Session(engine) as session:
        invited = session.exec(select(User).where(User.email == INVITED)).one()
        member = session.exec(select(User).where(User.email == EMAILS["member"])).one()
    secret = str(app.config["SECRET_KEY"])
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static",):
            continue
        if rule.rule.startswith("/api/"):
            continue
        if rule.endpoint == "auth.set_password_page":
            found.append(f"/password/invite/{link_token(secret, invited, 'invite')}")
            found.append(f"/password/reset/{link_token(secret, member, 'reset')}")
            continue
        call_ids = ids["call_ids"] if "call_id" in rule.arguments else [None]
        for call_id in call_ids:
            values = {"actor_id": ids["actor_id"], "call_id": call_id}
            with app.test_request_context():
                found.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return found


# --- what a page says -------------------------------------------------------------------------

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


def test_every_stored_key_has_a_name():
    assert set(SOURCE_NAMES) == {s.name for s in SOURCES}
    assert set(ROLE_NAMES) == set(ROLES)
    assert set(ELIGIBLE_TYPES) == set(SCRAPED_TYPES)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_every_page_is_in_one_language_without_raw_values(demo_site, language):
    app, engine, ids = demo_site
    with Session(engine) as session:
        for user in session.exec(select(User)):
            user.locale = language
        session.commit()
    problems = []
    visited = 0
    for role in (None, *EMAILS):
        client = app.test_client()
        client.set_cookie("lang", language)
        if role:
            assert sign_in(client, EMAILS[role]).status_code == 302
        for path in paths(app, engine, ids):
            response = client.get(path, follow_redirects=True)
            assert response.status_code in (200, 400, 403, 404), (role, path)
            assert response.mimetype == "text/html", (role, path)
            visited += 1
            problems += [
                f"{role or 'anonymous'} {path}: {problem}"
                for problem in problems_of(response.get_data(as_text=True), language)
            ]
    assert visited > 60
    assert problems == [], "\n".join(sorted(set(problems)))
