"""Eligibility wording of the sources as codes: NUTS regions, ISO countries, organisation types."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapers.record import ORGANISATION_TYPES, CallRecord

KANTA_HAME = "FI1C2"  # NUTS 2021 level 3 (DESIGN.md; the CORDIS region codes agree)

EU_MEMBER_STATES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)

# English short names as euro-access and Interreg spell them, lower-cased.
COUNTRY_CODES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY",
    "czechia": "CZ", "czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI",
    "france": "FR", "germany": "DE", "greece": "GR", "hungary": "HU", "ireland": "IE",
    "italy": "IT", "latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT",
    "netherlands": "NL", "poland": "PL", "portugal": "PT", "romania": "RO", "slovakia": "SK",
    "slovenia": "SI", "spain": "ES", "sweden": "SE",
    "albania": "AL", "andorra": "AD", "armenia": "AM", "bosnia and herzegovina": "BA",
    "faroe islands": "FO", "georgia": "GE", "iceland": "IS", "israel": "IL", "kosovo": "XK",
    "liechtenstein": "LI", "moldova": "MD", "monaco": "MC", "montenegro": "ME",
    "north macedonia": "MK", "norway": "NO", "san marino": "SM", "serbia": "RS",
    "switzerland": "CH", "tunisia": "TN", "türkiye": "TR", "turkey": "TR", "ukraine": "UA",
    "united kingdom": "GB",
}  # fmt: skip

# NUTS spells two countries differently from ISO 3166.
NUTS_TO_ISO = {"EL": "GR", "UK": "GB"}

# (pattern, organisation type): checked on lower-cased labels such as "Research Institution
# incl. University" (euro-access) or "Enterprise, except SME" (Interreg).
ORGANISATION_PATTERNS = (
    (re.compile(r"\blarge (enterprise|compan|firm)"), "large"),
    (re.compile(r"\bsmes?\b|small and medium|micro.?enterprise"), "sme"),
    (re.compile(r"research"), "research"),
    (re.compile(r"universit|higher education"), "higher_education"),
    (re.compile(r"public|authorit|municipal|sectoral agenc|\begtc\b"), "public"),
    (re.compile(r"\bngos?\b|non-governmental|non-profit|civil society|interest group"), "ngo"),
)


def covers_kanta_hame(regions: Iterable[str]) -> bool:
    """A NUTS code in `regions` is Kanta-Häme or contains it: FI, FI1, FI1C or FI1C2."""
    return any(len(code) >= 2 and KANTA_HAME.startswith(code) for code in regions)


def eligible_for_kanta_hame(record: CallRecord) -> bool:
    """Kanta-Häme actors may apply: a region covers FI1C2, or Finland with no region named in it."""
    eligibility = record.eligibility
    if covers_kanta_hame(eligibility.regions):
        return True
    finnish_regions = [code for code in eligibility.regions if code.startswith("FI")]
    return "FI" in eligibility.countries and not finnish_regions


def organisation_types(labels: Iterable[str]) -> tuple[str, ...]:
    """ORGANISATION_TYPES named by the source's labels, in ORGANISATION_TYPES order."""
    found: set[str] = set()
    for label in labels:
        text = label.casefold()
        if "except sme" in text:
            found.add("large")  # "Enterprise, except SME" must not count as an SME
            continue
        found.update(kind for pattern, kind in ORGANISATION_PATTERNS if pattern.search(text))
    return tuple(kind for kind in ORGANISATION_TYPES if kind in found)


def country_codes(text: str) -> tuple[str, ...]:
    """ISO codes of the countries a text names ("EU Member States", "Norway (Norge)"), sorted."""
    found: set[str] = set()
    if "eu member states" in text.casefold():
        found.update(EU_MEMBER_STATES)
    # Native names in parentheses ("Serbia (Srbija/Сpбија)") may hold commas or slashes.
    plain = re.sub(r"\([^)]*\)", "", text)
    for part in re.split(r"[,;\n]", plain):
        code = COUNTRY_CODES.get(" ".join(part.split()).casefold())
        if code:
            found.add(code)
    return tuple(sorted(found))


def iso_countries(nuts_codes: Iterable[str]) -> tuple[str, ...]:
    """NUTS country codes as ISO 3166 codes, first occurrence order, without repeats."""
    return tuple(dict.fromkeys(NUTS_TO_ISO.get(code, code) for code in nuts_codes))
