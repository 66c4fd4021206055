"""Smart Häme theme names and match explanations, in the reader's language on today's date."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app

from matcher.explain import Evidence, Explanation, explain
from matcher.themes import Theme
from tracker.matching import themes
from tracker.models import Match
from webapp.i18n import current_locale
from webapp.web import settings, today


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(theme_names=theme_names, explanation=explanation)


def configured_themes() -> dict[str, Theme]:
    """The configured themes by key, read once per app."""
    cache = current_app.extensions["radar"]
    if "themes" not in cache:
        cache["themes"] = {t.name: t for t in themes(settings())}
    return cache["themes"]


def theme_choices() -> list[tuple[str, str]]:
    """(key, name in the reader's language) of every configured theme."""
    language = current_locale()
    return [(key, theme.label(language)) for key, theme in configured_themes().items()]


def theme_names(keys: Iterable[str]) -> list[str]:
    """The names of themes given by key; a key no longer configured is left out."""
    known, language = configured_themes(), current_locale()
    return [known[key].label(language) for key in keys if key in known]


def explanation(match: Match, language: str | None = None, *, time: bool = True) -> Explanation:
    """A stored match told in `language` (the reader's) with the days left counted today; without
    them (`time` False) where the reader is told the deadline beside it."""
    lang: Any = language or current_locale()
    evidence = Evidence.from_json(match.evidence)
    if not time:
        evidence = dataclasses.replace(evidence, deadline=None)
    return explain(evidence, lang, today(), configured_themes())
