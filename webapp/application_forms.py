"""The forms of the applications pages, and the names people read for stages and reasons."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.applications import PIC, ROLES, ApplicationError, check_partner
from tracker.html import is_web_link
from tracker.models import (
    APPLICATION_LINKS,
    APPLICATION_PARTNERS,
    IDENTIFIER_CHARS,
    LINK_CHARS,
    NOTES_CHARS,
    PROFILE_TEXT_CHARS,
    TITLE_CHARS,
)
from webapp.forms import ROLES_OF_ACTOR, AppForm, PageForm, amount, lines, options
from webapp.i18n import lazy_text as _l

# Keys: tracker.applications.STAGES.
STAGE_NAMES = {
    "idea": _l("Idea"),
    "decision": _l("Go / no-go decision"),
    "preparing": _l("Preparing"),
    "submitted": _l("Submitted"),
    "submitted_2": _l("Submitted, second stage"),
    "evaluation": _l("Under evaluation"),
    "granted": _l("Granted"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
# Keys: tracker.applications.REASONS.
REASON_NAMES = {
    "not_eligible": _l("Not eligible"),
    "no_capacity": _l("No capacity"),
    "no_partners": _l("No partners"),
    "deadline_too_close": _l("Deadline too close"),
    "low_fit": _l("Low fit"),
    "score_below_threshold": _l("Evaluation score below the threshold"),
}
APPLICATION_ROLES = {key: label for key, label in ROLES_OF_ACTOR if key in ROLES}
# Keys: the `reason` of tracker.applications.ApplicationError.
APPLICATION_ERRORS = {
    "move": _l("The application cannot move to that stage from where it is."),
    "reason": _l("Choose the reason from the list."),
    "no_reason": _l("Only a no-go or a rejection takes a reason."),
    "score": _l("Only a rejection carries an evaluation score."),
    "no_call": _l("Give the call's identifier or, for a call no source has, its title."),
    "partners": _l("At most %(most)s partners.", most=APPLICATION_PARTNERS),
}
PARTNER_ERRORS = {
    "partner_name": _l("Each partner needs a name."),
    "partner_country": _l("The country is two capital letters, e.g. FI."),
    "partner_role": _l("The role is coordinator or partner."),
    "partner_pic": _l("A PIC has nine digits."),
}
# A partner's role as typed, in either language; none is a partner.
PARTNER_ROLE_WORDS = {
    "coordinator": "coordinator",
    "koordinaattori": "coordinator",
    "partner": "partner",
    "kumppani": "partner",
    "": "partner",
}


def partner_lines(text: str | None) -> list[dict[str, str]]:
    """Partners from the form's lines, "name; country; role; PIC", as tracker/applications
    keeps them (the role in either language, partner when left out)."""
    partners = []
    for line in lines(text):
        name, country, role, pic = ([p.strip() for p in line.split(";")] + ["", "", ""])[:4]
        role = PARTNER_ROLE_WORDS.get(role.casefold(), role)
        partners.append({"name": name, "country": country.upper(), "role": role, "pic": pic})
    return partners


def optional_id(value: Any) -> int | None:
    """A row id from a select whose first choice, "", is none."""
    return int(value) if value not in (None, "") else None


def _partners(_form: Any, field: Any) -> None:
    partners = partner_lines(field.data)
    if len(partners) > APPLICATION_PARTNERS:
        raise ValidationError(APPLICATION_ERRORS["partners"])
    for partner in partners:
        try:
            check_partner(partner)
        except ApplicationError as error:
            raise ValidationError(PARTNER_ERRORS[error.reason]) from error


def _links(_form: Any, field: Any) -> None:
    links = lines(field.data)
    if len(links) > APPLICATION_LINKS:
        raise ValidationError(_l("At most %(most)s links.", most=APPLICATION_LINKS))
    if any(len(link) > LINK_CHARS or not is_web_link(link) for link in links):
        raise ValidationError(_l("One http or https address a line."))


class ApplicationForm(AppForm):
    actor_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    call_identifier = StringField(
        _l("Identifier of the call"), validators=[Optional(), Length(max=IDENTIFIER_CHARS)]
    )
    call_title = StringField(
        _l("Title of the call"), validators=[Optional(), Length(max=TITLE_CHARS)]
    )
    call_programme = StringField(
        _l("Programme"), validators=[Optional(), Length(max=IDENTIFIER_CHARS)]
    )
    call_deadline = DateField(_l("Deadline"), validators=[Optional()])
    role = SelectField(_l("Our role"), choices=options(APPLICATION_ROLES.items()))
    partners = TextAreaField(_l("Consortium partners"), validators=[Optional(), _partners])
    staff_id = SelectField(
        _l("Responsible staff member"), coerce=optional_id, validators=[Optional()]
    )
    requested_eur = IntegerField(
        _l("EU contribution requested (EUR)"), validators=[Optional(), amount]
    )
    granted_eur = IntegerField(_l("EU contribution granted (EUR)"), validators=[Optional(), amount])
    regional_funding_applied = BooleanField(_l("Regional preparation funding applied for"))
    regional_funding_received = BooleanField(_l("Regional preparation funding received"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=NOTES_CHARS)])
    links = TextAreaField(_l("Links to documents"), validators=[Optional(), _links])


class StageForm(AppForm):
    stage = SelectField(_l("Move to"), choices=options(STAGE_NAMES.items()))
    reason = SelectField(
        _l("Reason (a no-go or a rejection)"),
        choices=options([("", _l("Choose a reason")), *REASON_NAMES.items()]),
        validators=[Optional()],
    )
    reason_text = TextAreaField(
        _l("More about the reason"), validators=[Optional(), Length(max=PROFILE_TEXT_CHARS)]
    )
    score = FloatField(
        _l("Evaluation score (a rejection)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    next = HiddenField()


class SuggestedPartnerForm(AppForm):
    """A suggested organisation to add to the consortium partners, by its PIC."""

    pic = HiddenField(validators=[InputRequired(), Regexp(PIC)])


class ApplicationFilterForm(PageForm):
    """The filters of the applications table and board, read from the URL."""

    actor_id = SelectField(_l("Organisation"), coerce=optional_id, validators=[Optional()])
    programme = SelectField(_l("Programme"), validators=[Optional()])
    stage = SelectField(
        _l("Stage"),
        choices=options([("", _l("Any")), *STAGE_NAMES.items()]),
        validators=[Optional()],
    )
    staff_id = SelectField(
        _l("Responsible staff member"), coerce=optional_id, validators=[Optional()]
    )
    deadline_from = DateField(_l("Deadline from"), validators=[Optional()])
    deadline_to = DateField(_l("Deadline to"), validators=[Optional()])
