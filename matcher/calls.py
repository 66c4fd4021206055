"""The call as the matcher sees it, and pure facts derived from it: applicant view, keys."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from callrules.deadlines import ForApplicant
from callrules.deadlines import for_applicant as applicant_rule

_YEAR = re.compile(r"^(.*?)-(?:19|20)\d\d(?:-(.*))?$")
_LEADING_ZEROS = re.compile(r"-0+(\d)")
# Action types named in F&T codes ("HORIZON-JU-RIA") or in words ("Innovation Actions").
_KINDS = (
    ("COFUND", re.compile(r"\bCOFUND\b|\bCO-FUND|PROGRAMME CO-FUND")),
    ("PCP", re.compile(r"\bPCP\b|PRE-COMMERCIAL")),
    ("PPI", re.compile(r"\bPPI\b|PUBLIC PROCUREMENT OF INNOVATI")),
    ("CSA", re.compile(r"\bCSA\b|COORDINATION AND SUPPORT")),
    ("RIA", re.compile(r"\bRIA\b|RESEARCH AND INNOVATION ACTION")),
    ("IA", re.compile(r"\bIA\b|INNOVATION ACTION")),
)
_SINGLE_APPLICANT = re.compile(r"^ERC-|^HORIZON-MSCA-.*-PF-|^HORIZON-EIC-.*ACCELERATOR|-EIC-ACC")


@dataclass(frozen=True)
class CallInput:
    """One call (an F&T topic or a national/regional call) as input to scoring."""

    id: str  # the tracker's call id; matches refer to it
    identifier: str  # F&T topic id or the source's own id
    title: str
    description: str = ""  # plain text (HTML tags are dropped if any remain)
    keywords: tuple[str, ...] = ()  # keywords and tags of the source
    programme: str = ""  # e.g. "Horizon Europe", "LIFE"
    programme_part: str = ""  # e.g. cluster and destination
    call_title: str = ""
    identifier_prefix: str = ""  # derived from `identifier` when empty
    type_of_action: str = ""  # e.g. "HORIZON-RIA" or "HORIZON Innovation Actions"
    opening_date: date | None = None
    deadlines: tuple[date, ...] = ()
    deadline_model: str | None = None  # "two-stage": only the first deadline takes newcomers
    technical_end: date | None = None  # closes a call without deadlines
    withdrawn: bool = False  # its sources no longer list it: closed
    budget_min_eur: int | None = None  # per grant
    budget_max_eur: int | None = None  # per grant
    budget_total_eur: int | None = None
    funding_rate: float | None = None  # percent of eligible costs
    countries: tuple[str, ...] = ()  # eligible countries (ISO-2); empty = not restricted here
    regions: tuple[str, ...] = ()  # eligible NUTS codes at any level
    organisation_types: tuple[str, ...] = ()  # values of profile.ELIGIBILITY_TYPES
    single_applicant: bool | None = None  # mono-beneficiary; None = guess from the identifier
    content_hash: str = ""  # the tracker's hash of the call content; computed when empty


@lru_cache(maxsize=65536)  # called for every call and past project at every fit
def normalise_topic_id(value: str) -> str:
    """Topic id in the benchmark's normal form: upper case, single hyphens, no leading zeros."""
    text = re.sub(r"-+", "-", value.strip().upper().replace(" ", "-"))
    return _LEADING_ZEROS.sub(r"-\1", text)


_CALL_YEAR = re.compile(r"-(20\d\d)-")


def call_year(topic_id: str) -> int | None:
    """The year of the call a topic id names (`HORIZON-CL6-2021-...` -> 2021), if it names one."""
    match = _CALL_YEAR.search(topic_id)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=65536)
def identifier_prefix(identifier: str) -> str:
    """Programme-part prefix of an identifier: the part before the call year (`HORIZON-CL6`)."""
    match = _YEAR.match(normalise_topic_id(identifier))
    return match.group(1) if match else ""


@lru_cache(maxsize=65536)
def topic_series(identifier: str) -> str:
    """The identifier without its call year, so a topic recurring every year keeps one key."""
    match = _YEAR.match(normalise_topic_id(identifier))
    if not match:
        return ""
    rest = (match.group(2) or "").removesuffix("-TWO-STAGE")
    return f"{match.group(1)}|{rest}"


_CODE = re.compile(r"[^-]*[A-Z][^-]*(?:-[^-]*[A-Z][^-]*)*")  # a run of parts with a letter
_TWO_STAGE = re.compile(r"(?:^|-)TWO-STAGE(?=-|$)")  # a submission model, not a theme


def theme_series(identifier: str) -> str:
    """The series of topics of one programme part and destination or theme code, whatever the
    year and numbers: `HORIZON-CL6-2027-01-CIRCBIO-01` and `HORIZON-CL6-2022-CIRCBIO-01-03`
    are both `HORIZON-CL6|CIRCBIO` (the prefix and the first run of parts with a letter after
    the year); "" when the identifier names no year."""
    match = _YEAR.match(normalise_topic_id(identifier))
    if not match:
        return ""
    code = _CODE.search(_TWO_STAGE.sub("", match.group(2) or ""))
    return f"{match.group(1)}|{code.group(0) if code else ''}"


def call_prefix(call: CallInput) -> str:
    """The call's programme-part prefix, given or derived from its identifier."""
    return (call.identifier_prefix or identifier_prefix(call.identifier)).upper()


def action_kind(type_of_action: str, identifier: str) -> str:
    """A short action-type key (RIA, IA, CSA, JU-RIA, ...); the identifier prefix otherwise."""
    text = type_of_action.upper().replace("_", "-")
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return f"JU-{kind}" if re.search(r"\bJU\b", text) else kind
    # MSCA, ERC and EIC actions are programmes of their own: the prefix names them best.
    return identifier_prefix(identifier) or text.strip()


def is_single_applicant(call: CallInput) -> bool:
    """A mono-beneficiary call (ERC, MSCA fellowships, EIC Accelerator) unless the input says."""
    if call.single_applicant is not None:
        return call.single_applicant
    return bool(_SINGLE_APPLICANT.search(normalise_topic_id(call.identifier)))


def grant_range(call: CallInput) -> tuple[float, float] | None:
    """The grant size range in EUR, one end standing for both when only one is known."""
    low = call.budget_min_eur or call.budget_max_eur
    high = call.budget_max_eur or call.budget_min_eur
    return (float(low), float(high)) if low and high else None


def for_applicant(call: CallInput, today: date, min_days: int) -> ForApplicant[date]:
    """The call as a new applicant sees it on `today` (the rule of callrules.deadlines)."""
    deadlines = sorted(call.deadlines)
    return applicant_rule(
        call.opening_date,
        deadlines,
        call.deadline_model,
        today,
        min_days,
        _day,
        technical_end=call.technical_end,
        withdrawn=call.withdrawn,
    )


def _day(value: date) -> date:
    return value


_HASHED = [f.name for f in dataclasses.fields(CallInput) if f.name not in ("id", "content_hash")]


def call_hash(call: CallInput) -> str:
    """The content hash of a call: the input's own, else a hash of every field but the id."""
    if call.content_hash:
        return call.content_hash
    values = [getattr(call, f) for f in _HASHED]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]
