"""Validation of profile form or JSON data into a Profile, with per-field errors in en and fi."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.identifiers import is_valid_pic, ytunnus_problem
from matcher.profile import (
    CLASSIFICATION_VERSIONS,
    KANTA_HAME_NUTS3,
    MUNICIPALITIES,
    ORG_TYPES,
    OTHER_MUNICIPALITY,
    PAST_ROLES,
    ROLES,
    Contact,
    IndustryCode,
    PastProject,
    Profile,
)

Message = tuple[str, str]  # (English, Finnish), ready to show next to the form field
Errors = dict[str, Message]

MESSAGES: dict[str, Message] = {
    "required": ("This field is required.", "Tämä kenttä on pakollinen."),
    "too_long": ("Too long (at most {n} characters).", "Liian pitkä (enintään {n} merkkiä)."),
    "format": ("Y-tunnus must look like 1234567-8.", "Y-tunnuksen muoto on 1234567-8."),
    "check_digit": ("The check digit of this Y-tunnus is wrong.", "Y-tunnuksen tarkiste on väärä."),
    "remainder_one": (
        "This is not a valid Y-tunnus (no check digit fits).",
        "Tämä ei ole kelvollinen Y-tunnus (mikään tarkiste ei käy).",
    ),
    "pic": ("A PIC has exactly 9 digits.", "PIC-koodissa on tasan 9 numeroa."),
    "choice": ("Choose one of: {choices}.", "Valitse jokin näistä: {choices}."),
    "nuts3": ("A NUTS-3 code looks like FI1C2.", "NUTS-3-koodin muoto on esimerkiksi FI1C2."),
    "nuts3_region": (
        "Municipalities of Kanta-Häme have the NUTS-3 code FI1C2.",
        "Kanta-Hämeen kuntien NUTS-3-koodi on FI1C2.",
    ),
    "country": (
        "Use a two-letter country code, e.g. FI.",
        "Käytä kaksikirjaimista maakoodia, esim. FI.",
    ),
    "industry": (
        "An industry code is a section letter or 2 to 5 digits, e.g. 62010.",
        "Toimialakoodi on pääluokan kirjain tai 2-5 numeroa, esim. 62010.",
    ),
    "theme": ("Unknown Smart Häme theme: {value}.", "Tuntematon Älykäs Häme -teema: {value}."),
    "amount": (
        "Give a whole number of euros, 0 or more.",
        "Anna kokonainen euromäärä, 0 tai enemmän.",
    ),
    "budget_order": (
        "The lower limit is above the upper limit.",
        "Alaraja on suurempi kuin yläraja.",
    ),
    "email": ("This is not an email address.", "Tämä ei ole sähköpostiosoite."),
    "year": ("Give a year between 1984 and 2100.", "Anna vuosi väliltä 1984-2100."),
    "list": ("Give a list.", "Anna luettelo."),
}

_NUTS3 = re.compile(r"^[A-Z]{2}[0-9A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_INDUSTRY = re.compile(r"^([A-UX]|\d{2,5})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def message(key: str, **params: str) -> Message:
    """The (en, fi) text of a message key, with its placeholders filled."""
    en, fi = MESSAGES[key]
    return en.format(**params), fi.format(**params)


class _Checker:
    """Collects field errors while reading raw values."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: Errors = {}

    def fail(self, field: str, key: str, **params: str) -> None:
        """Record the first error of a field."""
        self.errors.setdefault(field, message(key, **params))

    def text(self, field: str, *, required: bool = False, limit: int = 200) -> str:
        """A trimmed text field."""
        value = str(self.data.get(field) or "").strip()
        if required and not value:
            self.fail(field, "required")
        elif len(value) > limit:
            self.fail(field, "too_long", n=str(limit))
        return value

    def choice(self, field: str, choices: Sequence[str], default: str | None = None) -> str:
        """A field that must be one of `choices`."""
        value = str(self.data.get(field) or default or "").strip()
        if value not in choices:
            self.fail(field, "choice", choices=", ".join(choices))
        return value

    def amount(self, field: str) -> int | None:
        """A whole non-negative number (spaces allowed), or None when empty."""
        raw = self.data.get(field)
        if raw is None or str(raw).strip() == "":
            return None
        digits = str(raw).replace(" ", "").replace("\u00a0", "")
        if isinstance(raw, bool) or not digits.isdigit():
            self.fail(field, "amount")
            return None
        return int(digits)

    def items(self, field: str) -> list[Any]:
        """A list field; a string is split on commas, semicolons and lines."""
        raw = self.data.get(field)
        if raw is None or raw == "":
            return []
        if isinstance(raw, str):  # a form field: comma or line separated
            return [part.strip() for part in re.split(r"[,\n;]", raw) if part.strip()]
        if isinstance(raw, Sequence):
            return list(raw)
        self.fail(field, "list")
        return []


def validate_profile(
    data: Mapping[str, Any], theme_names: Sequence[str] | None = None
) -> tuple[Profile | None, Errors]:
    """A Profile from form/JSON data, or None and the errors keyed by field name."""
    check = _Checker(data)
    country = check.text("country").upper() or "FI"
    if not _COUNTRY.match(country):
        check.fail("country", "country")
    municipality, nuts3 = _place(check)
    profile = Profile(
        id=check.text("id"),
        name=check.text("name", required=True),
        org_type=check.choice("org_type", ORG_TYPES),
        business_id=_business_id(check, required=country == "FI"),
        pic=_pic(check),
        municipality=municipality,
        nuts3=nuts3,
        country=country,
        industry_codes=_industry_codes(check),
        themes=_themes(check, theme_names),
        keywords=tuple(str(k).strip() for k in check.items("keywords") if str(k).strip()),
        description=check.text("description", limit=5000),
        programmes=tuple(str(p).strip() for p in check.items("programmes") if str(p).strip()),
        preferred_role=check.choice("preferred_role", ROLES, "either"),  # type: ignore[arg-type]
        budget_min_eur=check.amount("budget_min_eur"),
        budget_max_eur=check.amount("budget_max_eur"),
        cofinancing_eur=check.amount("cofinancing_eur"),
        contacts=_contacts(check),
        past_projects=_past_projects(check),
    )
    if None not in (profile.budget_min_eur, profile.budget_max_eur) and (
        profile.budget_min_eur or 0
    ) > (profile.budget_max_eur or 0):
        check.fail("budget_max_eur", "budget_order")
    return (None, check.errors) if check.errors else (profile, {})


def _business_id(check: _Checker, *, required: bool) -> str:
    value = check.text("business_id", required=required)
    if value:
        problem = ytunnus_problem(value)
        if problem is not None:
            check.fail("business_id", problem)
    return value


def _pic(check: _Checker) -> str | None:
    value = check.text("pic")
    if value and not is_valid_pic(value):
        check.fail("pic", "pic")
    return value or None


def _place(check: _Checker) -> tuple[str, str]:
    """Municipality (canonical spelling) and NUTS-3 code, defaulting FI1C2 inside Kanta-Häme."""
    raw = check.text("municipality") or OTHER_MUNICIPALITY
    canonical = {m.casefold(): m for m in (*MUNICIPALITIES, OTHER_MUNICIPALITY)}
    municipality = canonical.get(raw.casefold(), raw)
    if municipality not in canonical.values():
        check.fail("municipality", "choice", choices=", ".join((*MUNICIPALITIES, "other")))
    nuts3 = check.text("nuts3").upper()
    if municipality in MUNICIPALITIES:
        if nuts3 and nuts3 != KANTA_HAME_NUTS3:
            check.fail("nuts3", "nuts3_region")
        nuts3 = KANTA_HAME_NUTS3
    elif nuts3 and not _NUTS3.match(nuts3):
        check.fail("nuts3", "nuts3")
    return municipality, nuts3


def _industry_codes(check: _Checker) -> tuple[IndustryCode, ...]:
    codes = []
    for i, item in enumerate(check.items("industry_codes")):
        raw, version = (
            (item.get("code"), item.get("version")) if isinstance(item, Mapping) else (item, None)
        )
        code = str(raw or "").replace(".", "").strip().upper()
        version = str(version or "TOL2008").replace(" ", "").upper()
        if not _INDUSTRY.match(code):
            check.fail(f"industry_codes.{i}", "industry")
        elif version not in CLASSIFICATION_VERSIONS:
            check.fail(f"industry_codes.{i}", "choice", choices=", ".join(CLASSIFICATION_VERSIONS))
        else:
            codes.append(IndustryCode(code, version))  # type: ignore[arg-type]
    return tuple(codes)


def _themes(check: _Checker, theme_names: Sequence[str] | None) -> tuple[str, ...]:
    themes = tuple(str(t).strip() for t in check.items("themes") if str(t).strip())
    for name in themes:
        if theme_names is not None and name not in theme_names:
            check.fail("themes", "theme", value=name)
    return themes


def _contacts(check: _Checker) -> tuple[Contact, ...]:
    contacts = []
    for i, item in enumerate(check.items("contacts")):
        sub = _Checker(item if isinstance(item, Mapping) else {"name": item})
        contact = Contact(
            name=sub.text("name", required=True),
            email=sub.text("email"),
            phone=sub.text("phone", limit=40),
            title=sub.text("title"),
        )
        if contact.email and not _EMAIL.match(contact.email):
            sub.fail("email", "email")
        check.errors.update({f"contacts.{i}.{k}": v for k, v in sub.errors.items()})
        contacts.append(contact)
    return tuple(contacts)


def _past_projects(check: _Checker) -> tuple[PastProject, ...]:
    projects = []
    for i, item in enumerate(check.items("past_projects")):
        sub = _Checker(item if isinstance(item, Mapping) else {"topic_id": item})
        raw_year = str(sub.data.get("year") or "").strip()
        year = int(raw_year) if raw_year.isdigit() else None
        if raw_year and (year is None or not 1984 <= year <= 2100):
            sub.fail("year", "year")
        project = PastProject(
            topic_id=sub.text("topic_id", required=True).upper(),
            programme_part=sub.text("programme_part", limit=500),
            acronym=sub.text("acronym"),
            title=sub.text("title", limit=500),
            role=sub.choice("role", PAST_ROLES, "participant"),
            year=year,
            fields=tuple(str(f).strip() for f in sub.items("fields") if str(f).strip()),
        )
        check.errors.update({f"past_projects.{i}.{k}": v for k, v in sub.errors.items()})
        projects.append(project)
    return tuple(projects)
