"""Finnish and English: the chosen locale, and dates, money and deadlines shown in it."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    get_translations,
    gettext,
)
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup

from callrules.deadlines import STAGE, parse_label
from scrapers.record import Deadline
from tracker.config import Settings
from tracker.html import sanitize

# Each language and the locale its dates and numbers are written in: English as Europe writes
# it (the day before the month, a 24-hour clock), not Babel's American "en" ("Sep 15, 2026 5:00 PM").
FORMATS = {"fi": "fi", "en": "en_GB"}
LOCALES = tuple(FORMATS)
LOCALE_COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=settings.web.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.web.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # Flask-Babel's own, by the faster lookup
        gettext=lambda message: translations().ugettext(message),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(
        date=format_day,
        datetime=format_moment,
        number=format_decimal,
        percent=format_percent,
        eur=format_eur,
        grant_size=grant_size,
        deadline=format_deadline,
        deadline_label=deadline_label,
        days_left=days_left,
        safe_html=safe_html,
    )
    app.jinja_env.globals.update(locales=LOCALES, current_locale=current_locale)


def select_locale() -> str:
    """The signed-in user's choice, else the cookie, else the browser's, else the default."""
    return FORMATS[_chosen_language()]


def _chosen_language() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return str(cookie)
    # Swedish, Finland's other language, is asked for as such and served in Finnish until
    # translated: a Swedish-speaking browser that also accepts English still gets Finnish.
    asked = request.accept_languages.best_match((*LOCALES, "sv"))
    return asked if asked in LOCALES else "fi"


def in_language(language: str) -> Any:
    """`force_locale` of a stored language ("fi", "en"): its texts, dates and numbers."""
    return force_locale(FORMATS.get(language, language))


def current_locale() -> str:
    """The language in use ("fi", "en")."""
    locale = get_locale()
    return locale.language if locale else "fi"


def _formats() -> str:
    """The locale the dates and numbers in use are written in (`FORMATS`)."""
    locale = get_locale()
    return str(locale) if locale else "fi"


def text(string: str, **variables: Any) -> str:
    """`string` in the language in use, by the faster look-up (`translations`), formatted with
    `variables` as Flask-Babel's `gettext` does."""
    found = translations().ugettext(string)
    return found % variables if variables else found


def lazy_text(string: str, **variables: Any) -> LazyString:
    """`text` looked up when shown, for texts made at import (labels, choices): a form's texts
    are shown forty times a page."""
    return LazyString(text, string, **variables)


def translations() -> NullTranslations:
    """The app's catalogue of the locale in use (the request's, or `force_locale`'s while it
    lasts). Flask-Babel finds it again in 20 µs, and a page of calls asks a hundred times."""
    locale = get_locale()
    if locale is None:  # outside a request: the texts untranslated
        return get_translations()
    return catalogue(str(TRANSLATIONS), "messages", locale.language)


@cache
def catalogue(directory: str, domain: str, language: str) -> NullTranslations:
    """A language's catalogue of `domain` in `directory`, read once per process."""
    return Translations.load(directory, [language], domain=domain)


def format_day(value: date | None, style: str = "medium") -> str:
    return format_date(value, style) if value else ""


def format_moment(value: datetime | None) -> str:
    """A stored UTC time as date and minutes in Europe/Helsinki."""
    if value is None:
        return ""
    # Both rebase a naive time from UTC to the zone of BABEL_DEFAULT_TIMEZONE.
    return f"{format_date(value, 'medium')} {format_time(value, 'short')}"


def format_eur(value: int | float | None) -> str:
    return _eur_text(_formats(), value) if value is not None else ""


@lru_cache(maxsize=4096)
def _eur_text(locale: str, value: int | float) -> str:
    """Cached: a page of calls shows fifty amounts, many the same, and Babel is slow."""
    return f"{numbers.format_decimal(value, locale=locale)}\u00a0€"


def eur_in_words(value: int | float) -> str:
    """An amount as a sentence says it: "12 million euros", "60 tuhatta euroa"."""
    amount = numbers.format_compact_decimal(
        value, format_type="long", locale=_formats(), fraction_digits=1
    )
    return gettext("%(amount)s euros", amount=amount)


def grant_size(call: Any) -> str:
    """One grant's size: one amount when the smallest and the largest are the same."""
    low, high = call.budget_min_grant_eur, call.budget_max_grant_eur
    if low is not None and high is not None:
        return format_eur(low) if low == high else f"{format_eur(low)} – {format_eur(high)}"
    if high is not None:
        return gettext("up to %(amount)s", amount=format_eur(high))
    if low is not None:
        return gettext("from %(amount)s", amount=format_eur(low))
    return ""


def format_deadline(value: Deadline | dict[str, Any] | None) -> str:
    """A deadline's date and time in Helsinki time; a time without a zone as the source gave it."""
    if value is None:
        return ""
    deadline = Deadline.from_json(value) if isinstance(value, dict) else value
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return _deadline_text(_formats(), zone, deadline.date, deadline.time, deadline.timezone)


def deadline_label(label: str | None) -> str:
    """A deadline's label ("stage 1", "cut-off 2") in the chosen language."""
    parsed = parse_label(label)
    if parsed is None:
        return label or gettext("Deadline")
    kind, number = parsed
    if kind == STAGE:
        return gettext("Stage %(num)d", num=number)
    return gettext("Cut-off %(num)d", num=number)


@lru_cache(maxsize=4096)
def _deadline_text(
    locale: str, zone: str, day: date, at: time | None, source_zone: str | None
) -> str:
    """Cached: a list shows the same few deadlines many times, and Babel is slow."""
    if at is None:
        return dates.format_date(day, "medium", locale=locale)
    if source_zone is None:  # e.g. euro-access: the programme's local time, zone unknown
        clock = dates.format_time(at, "short", locale=locale)
        return gettext(
            "%(date)s %(time)s, time zone not stated",
            date=dates.format_date(day, "medium", locale=locale),
            time=clock,
        )
    moment = datetime.combine(day, at, ZoneInfo(source_zone))
    local = moment.astimezone(ZoneInfo(zone))
    return f"{dates.format_date(local, 'medium', locale=locale)} {dates.format_time(local, 'short', locale=locale)}"


def days_left(value: date | None, today: date) -> str:
    if value is None:
        return ""
    days = (value - today).days
    if days == 0:
        return gettext("today")
    if days < 0:  # by `translations`: a list asks for each of its calls
        return translations().ungettext("%(num)d day ago", "%(num)d days ago", -days) % {
            "num": -days
        }
    return translations().ungettext("%(num)d day left", "%(num)d days left", days) % {"num": days}


def safe_html(value: str | None) -> Markup:
    """Scraped HTML cleaned again at render, whatever the database holds."""
    return Markup(sanitize(value) or "")


def compile_catalogs() -> None:
    """Build the .mo files from the .po sources (what `pybabel compile` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)
