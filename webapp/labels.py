"""Names people read for the stored keys of sources, roles, organisation types and places."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from matcher.profile import OTHER_MUNICIPALITY
from scrapers.eligibility import NUTS_TO_ISO
from tracker.accounts import AccountError
from webapp.i18n import lazy_text as _l

# Keys: the `name` of each class in scrapers.SOURCES (a test checks that each has one).
SOURCE_NAMES = {
    "ft_search": _l("EU Funding & Tenders (search)"),
    "ft_bulk": _l("EU Funding & Tenders (reference file)"),
    "eu_grants_feed": _l("EU Funding & Tenders (feed)"),
    "eura2021": _l("EURA 2021 (regional and structural funds)"),
    "haeavustuksia": _l("Haeavustuksia.fi (state grants)"),
    "interreg": _l("Interreg"),
    "euro_access": _l("euro-access.eu"),
}
# Keys: tracker.accounts.ROLES.
ROLE_NAMES = {"admin": _l("Administrator"), "staff": _l("Staff"), "member": _l("Member")}
# Keys: tracker.matching.VERDICTS, the marks on a matched call.
VERDICT_NAMES = {
    "relevant": _l("Marked relevant"),
    "applied": _l("Marked applied"),
    "not_relevant": _l("Marked not relevant"),
}
# What the calls' eligibility says (scrapers.record.ORGANISATION_TYPES).
ELIGIBLE_TYPES = {
    "sme": _l("SMEs"),
    "large": _l("Large companies"),
    "research": _l("Research organisations"),
    "higher_education": _l("Universities and universities of applied sciences"),
    "public": _l("Public bodies"),
    "ngo": _l("Associations and NGOs"),
}
# CORDIS activity types (tracker.models.CordisParticipation.activity_type).
ACTIVITY_TYPES = {
    "HES": _l("Higher or secondary education"),
    "REC": _l("Research organisation"),
    "PRC": _l("Company"),
    "PUB": _l("Public body"),
    "OTH": _l("Other"),
}
ACCOUNT_ERRORS = {
    "short_password": _l("The password is too short."),
    "not_email": _l("Not an email address."),
    "unknown_role": _l("Unknown role."),
    "member_without_actor": _l("A member belongs to an organisation: this user has none."),
    "exists": _l("This address has an account already."),
    "no_user": _l("No such user."),
    "no_actor": _l("No such organisation."),
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        source_name=source_name,
        role_name=role_name,
        eligible_type=eligible_type,
        municipality_name=municipality_name,
        activity_type=activity_type,
        country_name=country_name,
    )


def source_name(key: str | None) -> str:
    return str(SOURCE_NAMES.get(key or "", key or ""))


def role_name(key: str) -> str:
    return str(ROLE_NAMES.get(key, key))


def eligible_type(key: str) -> str:
    return str(ELIGIBLE_TYPES.get(key, key))


def activity_type(key: str) -> str:
    return str(ACTIVITY_TYPES.get(key, key))


def country_name(code: str) -> str:
    """A country code of CORDIS as the reader's language names the country."""
    locale = get_locale()
    territories = locale.territories if locale else {}
    return str(territories.get(NUTS_TO_ISO.get(code, code), code))


def municipality_name(key: str | None) -> str:
    """A Kanta-Häme municipality by its name; any other place as such."""
    return str(_l("Outside Kanta-Häme")) if key == OTHER_MUNICIPALITY else key or ""


def account_error(error: AccountError) -> str:
    """Why an account could not be made or changed, in the reader's language."""
    return str(ACCOUNT_ERRORS.get(error.reason, error))
