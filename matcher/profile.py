"""The actor profile the matcher scores calls against, and the fixed lists its fields use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["coordinator", "partner", "either"]
ClassificationVersion = Literal["TOL2008", "TOL2025"]

# Organisation types of the profile form. Eligibility rules of calls use the coarser
# ELIGIBILITY_TYPES, so the three SME size classes collapse into "sme" there.
ORG_TYPES = ("micro", "small", "medium", "large", "higher_education", "research", "public", "ngo")
ELIGIBILITY_TYPES = ("sme", "large", "research", "higher_education", "public", "ngo")
ORG_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "micro": ("micro enterprise", "mikroyritys"),
    "small": ("small enterprise", "pieni yritys"),
    "medium": ("medium-sized enterprise", "keskisuuri yritys"),
    "large": ("large company", "suuryritys"),
    "higher_education": ("university or university of applied sciences", "korkeakoulu"),
    "research": ("research organisation", "tutkimuslaitos"),
    "public": ("municipality or other public body", "kunta tai muu julkinen toimija"),
    "ngo": ("association or NGO", "yhdistys tai järjestö"),
}
ROLES = ("coordinator", "partner", "either")
PAST_ROLES = ("coordinator", "participant", "associatedPartner", "thirdParty")
CLASSIFICATION_VERSIONS = ("TOL2008", "TOL2025")

KANTA_HAME_NUTS3 = "FI1C2"
MUNICIPALITIES = (
    "Hämeenlinna",
    "Hattula",
    "Janakkala",
    "Riihimäki",
    "Hausjärvi",
    "Loppi",
    "Forssa",
    "Humppila",
    "Jokioinen",
    "Tammela",
    "Ypäjä",
)
OTHER_MUNICIPALITY = "other"


def eligibility_type(org_type: str) -> str:
    """The eligibility class of an organisation type: SME size classes become `sme`."""
    return "sme" if org_type in ("micro", "small", "medium") else org_type


@dataclass(frozen=True)
class IndustryCode:
    """One industry code (TOL 2008 or TOL 2025) with its classification version."""

    code: str
    version: ClassificationVersion = "TOL2008"


@dataclass(frozen=True)
class Contact:
    """A contact person of the actor."""

    name: str
    email: str = ""
    phone: str = ""
    title: str = ""


@dataclass(frozen=True)
class PastProject:
    """An earlier EU project of the actor, as the CORDIS import attaches it."""

    topic_id: str  # normalised F&T topic id, e.g. HORIZON-CL6-2022-FARM2FORK-1-11
    programme_part: str = ""  # CORDIS legalBasis title(s)
    acronym: str = ""
    title: str = ""  # topic title (or project title when known)
    role: str = "participant"  # one of PAST_ROLES
    year: int | None = None  # call year
    fields: tuple[str, ...] = ()  # EuroSciVoc labels, when known


@dataclass(frozen=True)
class Profile:
    """An actor: who it is, where, what it does and wants, and what it did before."""

    id: str
    name: str
    org_type: str  # one of ORG_TYPES
    business_id: str = ""  # Y-tunnus; empty only for actors outside Finland
    pic: str | None = None
    municipality: str = OTHER_MUNICIPALITY
    nuts3: str = ""
    country: str = "FI"
    industry_codes: tuple[IndustryCode, ...] = ()
    themes: tuple[str, ...] = ()  # names of Smart Häme themes
    keywords: tuple[str, ...] = ()
    description: str = ""  # Finnish or English
    programmes: tuple[str, ...] = ()  # programmes of interest, e.g. "HORIZON-CL6", "LIFE"
    preferred_role: Role = "either"
    budget_min_eur: int | None = None
    budget_max_eur: int | None = None
    cofinancing_eur: int | None = None  # own money available for the non-funded share
    contacts: tuple[Contact, ...] = ()
    past_projects: tuple[PastProject, ...] = ()
