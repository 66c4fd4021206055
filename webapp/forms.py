"""The forms of the app; CSRF comes with FlaskForm, the calls search is a plain GET form."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from matcher.feedback import REASONS
from matcher.identifiers import is_valid_ytunnus
from matcher.profile import MUNICIPALITIES
from scrapers.ft_codes import programme_named
from tracker.accounts import MIN_PASSWORD
from tracker.matching import VERDICTS
from tracker.models import (
    ACTOR_NAME_CHARS,
    EMAIL_CHARS,
    LARGEST_AMOUNT,
    PERSON_CHARS,
    PROFILE_CONTACTS,
    PROFILE_INDUSTRY_CODES,
    PROFILE_LIST_ITEMS,
    PROFILE_TEXT_CHARS,
    PROFILE_WORD_CHARS,
)
from tracker.search import CURRENT, SORTS
from webapp.i18n import catalogue, current_locale
from webapp.i18n import lazy_text as _l
from webapp.labels import ROLE_NAMES

# The values of matcher.profile.ORG_TYPES.
ORGANISATION_TYPES = (
    ("micro", _l("Micro enterprise")),
    ("small", _l("Small enterprise")),
    ("medium", _l("Medium-sized enterprise")),
    ("large", _l("Large company")),
    ("higher_education", _l("University or university of applied sciences")),
    ("research", _l("Research organisation")),
    ("public", _l("Municipality or other public body")),
    ("ngo", _l("Association or NGO")),
)
LANGUAGES = (("fi", "suomi"), ("en", "English"))
ROLES_OF_ACTOR = (
    ("either", _l("Either")),
    ("coordinator", _l("Coordinator")),
    ("partner", _l("Partner")),
)
# A plain shape check: the invitation or reset email itself proves the address.
EMAIL = (
    Length(max=EMAIL_CHARS),
    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an email address.")),
)
LAST_PAGE = 100_000
TOL_DIGITS = 5  # a TOL industry code has at most five digits
MAX_PAGE_SIZE = 200


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(option_tags=option_tags)


def option_tags(choices: list[SelectChoice], current: str) -> Markup:
    """A select's options, the one whose value is `current` selected: written here, since a
    template loop (or WTForms' widget) takes milliseconds for a thousand organisations."""
    return Markup(
        "".join(
            f'<option value="{escape(c.value)}"{" selected" if str(c.value) == current else ""}>'
            f"{escape(c.label)}</option>"
            for c in choices
        )
    )


def options(pairs: Any) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the form WTForms wants them."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def errors_text(form: Any) -> str:
    """A form's errors in one line, each after its field's label (the reason of a 400)."""
    return "; ".join(
        f"{form[name].label.text}: {' '.join(map(str, e))}"  # a message may be a lazy text
        for name, e in form.errors.items()
    )


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def words(text: str | None) -> list[str]:
    """The comma-separated entries of a text: keywords, programmes."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _y_tunnus(_form: Any, field: Any) -> None:
    if field.data and not is_valid_ytunnus(field.data.strip()):
        raise ValidationError(_l("Not a valid business ID (Y-tunnus), e.g. 0112038-9."))


def known_themes(_form: Any, field: Any) -> None:
    """Refuse a posted theme that is not one of the configured themes offered, naming it."""
    offered = {choice.value for choice in field.choices or ()}
    posted = field.data if isinstance(field.data, list) else [field.data]
    unknown = [str(value)[:60] for value in posted if value not in offered][:5]
    if unknown:
        raise ValidationError(
            _l("Unknown theme: %(themes)s. Choose from the list.", themes=", ".join(unknown))
        )


def themes_field() -> SelectMultipleField:
    """Checkboxes of the configured Smart Häme themes (their choices are set per request)."""
    return SelectMultipleField(
        _l("Smart Häme themes"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # known_themes says which posted theme is unknown
        validators=[Optional(), known_themes],
    )


def entries(split: Any, most: int, chars: int) -> Any:
    """At most `most` entries (as `split` reads the text), each at most `chars` long."""

    def check(_form: Any, field: Any) -> None:
        entries = split(field.data)
        if len(entries) > most:
            raise ValidationError(
                _l("At most %(most)s entries, not %(count)s.", most=most, count=len(entries))
            )
        if any(len(entry) > chars for entry in entries):
            raise ValidationError(_l("At most %(chars)s characters an entry.", chars=chars))

    return check


def amount(_form: Any, field: Any) -> None:
    """Whole euros that a BIGINT column holds, refused in words a person reads (not its limit)."""
    if field.data is None:
        return
    if field.data < 0:
        raise ValidationError(_l("An amount cannot be negative."))
    if field.data > LARGEST_AMOUNT:
        raise ValidationError(_l("No budget is that large."))


def _not_below(other: str) -> Any:
    def check(form: Any, field: Any) -> None:
        low = form[other].data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError(_l("Must not be less than the minimum."))

    return check


class WTFormsMessages:
    """WTForms' own messages ("Not a valid choice") in the user's language, each language's
    catalogue read once per process: Flask-WTF's reads and parses it again in every request,
    and every list page asks (an empty select is checked, then let pass)."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue().ungettext(singular, plural, n)


def _wtforms_catalogue() -> Any:
    return catalogue(messages_path(), "wtforms", current_locale())


class WTFormsMeta:
    """The forms' WTForms settings: its messages from the catalogue read once per process."""

    def get_translations(self, form: Any) -> Any:
        return WTFormsMessages()


class AppForm(FlaskForm):
    """A form posted in the app: Flask-WTF's CSRF check, WTForms' messages in the user's language."""

    Meta = WTFormsMeta


class LoginForm(AppForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), *EMAIL])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    next = HiddenField()


class ForgotForm(AppForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), *EMAIL])


class SetPasswordForm(AppForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=MIN_PASSWORD, max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired()])


class InviteForm(AppForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), *EMAIL])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=PERSON_CHARS)])
    actor_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    locale = SelectField(_l("Language of the email"), choices=options(LANGUAGES))


class UserForm(AppForm):
    role = SelectField(_l("Role"), choices=options(ROLE_NAMES.items()))
    active = BooleanField(_l("Active"))


class ActionForm(AppForm):
    """A form with no fields but its CSRF token: sign out, new API token."""


class LanguageForm(AppForm):
    locale = SelectField(choices=options(LANGUAGES))
    next = HiddenField()


# Labels of the matcher's reasons (matcher.feedback.REASONS owns the list).
REASON_LABELS = {
    "topic": _l("Not our field"),
    "eligibility": _l("We are not eligible"),
    "capacity": _l("No capacity to apply"),
    "timing": _l("Cannot meet the deadline"),
    "budget": _l("Budget does not fit"),
    "other": _l("Other"),
}


class FeedbackForm(AppForm):
    verdict = SelectField(choices=options((v, v) for v in VERDICTS))
    reason = SelectField(
        _l("Reason"),
        choices=options([("", _l("Choose a reason")), *((r, REASON_LABELS[r]) for r in REASONS)]),
        validators=[Optional()],
    )


class ActorForm(AppForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=ACTOR_NAME_CHARS)])
    business_id = StringField(
        _l("Business ID (Y-tunnus)"), validators=[Optional(), Length(max=9), _y_tunnus]
    )
    pic = StringField(
        _l("EU PIC"),
        validators=[Optional(), Regexp(r"^\d{9}$", message=_l("A PIC has nine digits."))],
    )
    organisation_type = SelectField(_l("Organisation type"), choices=options(ORGANISATION_TYPES))
    municipality = SelectField(
        _l("Municipality"),
        choices=options(
            [("", "–"), *((m, m) for m in sorted(MUNICIPALITIES)), ("other", _l("Other"))]
        ),
    )
    nuts3 = StringField(
        _l("NUTS-3 region"),
        default="FI1C2",
        validators=[
            Optional(),
            Regexp(r"^[A-Z]{2}[0-9A-Z]{0,3}$", message=_l("A NUTS code, e.g. FI1C2.")),
        ],
    )
    country = StringField(
        _l("Country"),
        default="FI",
        validators=[
            InputRequired(),
            Regexp(r"^[A-Z]{2}$", message=_l("Two capital letters, e.g. FI.")),
        ],
    )
    industry_codes = TextAreaField(
        _l("Industry codes"),
        validators=[Optional(), entries(lines, PROFILE_INDUSTRY_CODES, PROFILE_WORD_CHARS)],
    )
    themes = themes_field()
    keywords = StringField(
        _l("Keywords"),
        validators=[Optional(), entries(words, PROFILE_LIST_ITEMS, PROFILE_WORD_CHARS)],
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=PROFILE_TEXT_CHARS)]
    )
    programmes = StringField(
        _l("Programmes of interest"),
        validators=[Optional(), entries(words, PROFILE_LIST_ITEMS, PROFILE_WORD_CHARS)],
    )
    preferred_role = SelectField(_l("Preferred role"), choices=options(ROLES_OF_ACTOR))
    budget_min_eur = IntegerField(_l("Project budget from (EUR)"), validators=[Optional(), amount])
    budget_max_eur = IntegerField(
        _l("Project budget up to (EUR)"),
        validators=[Optional(), amount, _not_below("budget_min_eur")],
    )
    cofinancing_eur = IntegerField(
        _l("Co-financing capacity (EUR)"), validators=[Optional(), amount]
    )
    contacts = TextAreaField(
        _l("Contact people"),
        validators=[
            Optional(),
            entries(lines, PROFILE_CONTACTS, EMAIL_CHARS + 2 * PERSON_CHARS),
        ],
    )

    def validate_industry_codes(self, field: Any) -> None:
        for line in lines(field.data):
            parts = line.split()
            code_ok = parts and parts[0].isdigit() and len(parts[0]) <= TOL_DIGITS
            if len(parts) != 2 or not code_ok or parts[1] not in ("TOL2008", "TOL2025"):
                raise ValidationError(_l("One code a line with its version, e.g. 62010 TOL2008."))

    def validate_contacts(self, field: Any) -> None:
        for line in lines(field.data):
            parts = [p.strip() for p in line.split(";")]
            if not parts[0] or (len(parts) > 1 and parts[1] and "@" not in parts[1]):
                raise ValidationError(_l("One person a line: name; email; phone."))


class PageForm(Form):
    """A page of a list, read from the URL: a page no list can have is refused, naming the field."""

    Meta = WTFormsMeta

    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=LAST_PAGE)])


class ProgrammeField(SelectField):
    """A programme among the stored ones; one named as another source names it ("Erasmus+", in a
    bookmark or a saved search from before the sources' names were made one) is read as the
    stored name F&T gives it."""

    def pre_validate(self, form: Any) -> None:
        offered = {choice.value for choice in self.choices or ()}
        if self.data and self.data not in offered:
            self.data = programme_named(self.data)
            self.raw_data = [self.data]
        super().pre_validate(form)


class CallSearchForm(PageForm):
    """The filters of the calls page and of the API, read from the URL."""

    q = SearchField(_l("Search words"), validators=[Optional(), Length(max=200)])
    programme = ProgrammeField(_l("Programme"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()], default=CURRENT)
    deadline_from = DateField(_l("Next deadline from"), validators=[Optional()])
    deadline_to = DateField(_l("Next deadline to"), validators=[Optional()])
    theme = SelectField(
        _l("Smart Häme theme"), validate_choice=False, validators=[Optional(), known_themes]
    )
    type_of_action = SelectField(_l("Type of action"), validators=[Optional()])
    source = SelectField(_l("Source"), validators=[Optional()])
    new_since = DateField(_l("First seen from"), validators=[Optional()])
    budget_min = IntegerField(_l("Budget from (EUR)"), validators=[Optional(), amount])
    budget_max = IntegerField(_l("Budget up to (EUR)"), validators=[Optional(), amount])
    eligible = BooleanField(_l("Only calls my organisation is eligible for"))
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    page_size = IntegerField(
        _l("Calls per page"), validators=[Optional(), NumberRange(min=1, max=MAX_PAGE_SIZE)]
    )

    def validate_deadline_to(self, field: Any) -> None:
        in_order(self.deadline_from, field)

    def validate_budget_max(self, field: Any) -> None:
        in_order(self.budget_min, field)

    def offer(self, stored: dict[str, list[str]], themes: list[tuple[str, str]]) -> None:
        """Fill the selects with the values stored in the database and the themes' names."""
        anything = [("", _l("Any"))]
        for name, values in stored.items():
            self[name].choices = options(anything + [(v, v) for v in values])
        self.theme.choices = options([*anything, *themes])
        current = [(CURRENT, _l("Open or forthcoming"))]
        self.status.choices = options(current + anything + list(STATUS_LABELS.items()))
        self.sort.choices = options((s, SORT_LABELS[s]) for s in SORTS)


def in_order(start: Any, end: Any) -> None:
    """A range's end not before its start: given backwards, it would find nothing, unsaid."""
    if start.data is not None and end.data is not None and end.data < start.data:
        raise ValidationError(_l("The range ends before it starts."))


STATUS_LABELS = {"open": _l("Open"), "forthcoming": _l("Forthcoming"), "closed": _l("Closed")}
SORT_LABELS = {
    "deadline": _l("Next deadline"),
    "newest": _l("Newest"),
    "budget": _l("Budget"),
    "relevance": _l("Relevance"),
}
