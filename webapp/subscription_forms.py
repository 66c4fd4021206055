"""The forms of the digest pages, and the names people read for kinds and frequencies."""

from __future__ import annotations

from typing import Any

from wtforms import (
    EmailField,
    FloatField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.digests import PUBLIC, SAVED_SEARCH
from tracker.models import PROFILE_LIST_ITEMS, PROFILE_WORD_CHARS
from tracker.models_web import SUBSCRIPTION_NAME_CHARS
from tracker.subscriptions import DEFAULT_MIN_SCORE
from webapp.forms import EMAIL, LANGUAGES, AppForm, entries, options, themes_field, words
from webapp.i18n import lazy_text as _l

# Keys: tracker.digests.KINDS.
KIND_NAMES = {
    "member_digest": _l("New matches of your organisation"),
    "staff_digest": _l("The region's digest: new and changed calls, deadlines, applications"),
    SAVED_SEARCH: _l("Saved search"),
    PUBLIC: _l("New calls by theme, programme or keyword"),
    "follows": _l("Changes to the calls you follow"),
}
# Keys: tracker.digests.FREQUENCIES.
FREQUENCY_NAMES = {"daily": _l("Daily"), "weekly": _l("Weekly")}
# Keys: the `reason` of tracker.subscriptions.SubscriptionError.
SUBSCRIPTION_ERRORS = {
    "not_allowed": _l("You cannot turn on that digest."),
    "exists": _l("Your digest is on already."),
    "no_query": _l("There is no search to save."),
    "nothing_chosen": _l("Choose at least one theme, programme or keyword."),
    "frequency": _l("Choose how often from the list."),
    "locale": _l("Choose the language from the list."),
}


class DigestForm(AppForm):
    """How often and in which language; a match digest's lowest score, a saved search's name."""

    frequency = SelectField(_l("How often"), choices=options(FREQUENCY_NAMES.items()))
    locale = SelectField(_l("Language of the email"), choices=options(LANGUAGES))
    min_score = FloatField(
        _l("Lowest score of a match (0–100)"),
        default=DEFAULT_MIN_SCORE,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    name = StringField(
        _l("Name of the search"), validators=[Optional(), Length(max=SUBSCRIPTION_NAME_CHARS)]
    )

    def values(self, kind: str) -> dict[str, Any]:
        """The fields this kind of subscription has."""
        found: dict[str, Any] = {"frequency": self.frequency.data, "locale": self.locale.data}
        if kind == "member_digest":
            found["min_score"] = self.min_score.data
        if kind == SAVED_SEARCH and self.name.data:
            found["name"] = self.name.data.strip()
        return found


class SaveSearchForm(AppForm):
    """ "Save this search" on the calls page: the page's filters kept as its query string."""

    name = StringField(
        _l("Name of the search"), validators=[InputRequired(), Length(max=SUBSCRIPTION_NAME_CHARS)]
    )
    frequency = SelectField(_l("How often"), choices=options(FREQUENCY_NAMES.items()))
    query = HiddenField(validators=[Length(max=2000)])


class PublicSubscribeForm(AppForm):
    """Anyone's subscription to new calls of some themes, programmes or keywords."""

    email = EmailField(_l("Email"), validators=[InputRequired(), *EMAIL])
    themes = themes_field()
    programmes = SelectMultipleField(_l("Programmes"), validators=[Optional()])
    keywords = StringField(
        _l("Keywords, separated by commas"),
        validators=[Optional(), entries(words, PROFILE_LIST_ITEMS, PROFILE_WORD_CHARS)],
    )
    frequency = SelectField(_l("How often"), choices=options(FREQUENCY_NAMES.items()))
    locale = SelectField(_l("Language of the email"), choices=options(LANGUAGES))

    def choices(self) -> dict[str, Any]:
        return {
            "themes": list(self.themes.data or []),
            "programmes": list(self.programmes.data or []),
            "keywords": words(self.keywords.data),
            "frequency": self.frequency.data,
            "locale": self.locale.data,
        }
