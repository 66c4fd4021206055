"""Facts and small helpers shared by the two EU Funding & Tenders sources."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, time

from callrules.deadlines import CUT_OFF, MULTIPLE_CUT_OFF, SINGLE_STAGE, STAGE, TWO_STAGE, label
from scrapers.fields import WRONG_TYPE, Fields
from scrapers.record import Budget, Deadline

PORTAL = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities"

# frameworkProgramme ids of SOURCES.md 2.2. Names are the facet API's own labels (snapshot
# 2026-08-22), repaired where the API URL-encodes "&" or drops "+"; they equal the
# frameworkProgramme.description of grantsTenders.json, so both sources name a programme alike.
PROGRAMMES: dict[str, str] = {
    "43108390": "Horizon Europe (HORIZON)",
    "43152860": "Digital Europe Programme (DIGITAL)",
    "43252405": "Programme for the Environment and Climate Action (LIFE)",
    "43353764": "Erasmus+ (ERASMUS+)",
    "43251567": "Connecting Europe Facility (CEF)",
    "43251814": "Creative Europe Programme (CREA)",
    "43251589": "Citizens, Equality, Rights and Values Programme (CERV)",
    "43252476": "Single Market Programme (SMP)",
    "44181033": "European Defence Fund (EDF)",
    "43298916": "Euratom Research and Training Programme (EURATOM)",
    "44416173": "Interregional Innovation Investments Instrument (I3)",
    "43089234": "Innovation Fund (INNOVFUND)",
    "43392145": "European Maritime, Fisheries and Aquaculture Fund (EMFAF)",
    "43254037": "European Solidarity Corps (ESC)",
    "43254019": "European Social Fund+ (ESF+)",
    "44773066": "Just Transition Mechanism (JTM)",
    "43252449": "Research Fund for Coal & Steel (RFCS)",
    "43637601": "Pilot Projects & Preparation Actions (PPPA)",
    "111111": "EU External Action - Prospect (RELEX-PROSPECT)",
    "45876777": "Neighbourhood, Development and International Cooperation Instrument – Global Europe (NDICI)",
    "43298664": "Promotion of Agricultural Products (AGRIP)",
}

# Each programme's name without its code: "Erasmus+ (ERASMUS+)" -> "erasmus+".
_PLAIN_NAMES = {
    name: re.sub(r"\s*\([^()]*\)$", "", name).casefold() for name in PROGRAMMES.values()
}


def programme_named(name: str) -> str:
    """A programme as F&T names it, from another source's name of it, so that the calls of one
    programme are filtered and counted as one: "Erasmus+", "Digital Europe", "Horizon Europe:
    Cluster 5 - Climate, Energy and Mobility" (F&T's name, or the given one, starts the other
    and ends at a word's end). A name that fits no programme, or several, stays as given."""
    given = name.strip().casefold()
    found = {
        full
        for full, plain in _PLAIN_NAMES.items()
        if given and (_starts(plain, given) or _starts(given, plain))
    }
    return found.pop() if len(found) == 1 else name


def _starts(text: str, start: str) -> bool:
    rest = text[len(start) :]
    return text.startswith(start) and (not rest or not rest[0].isalnum())


GRANT, EXTERNAL, CASCADE = "1", "2", "8"
KINDS = {GRANT: "grant", EXTERNAL: "external", CASCADE: "cascade"}

# actions[].submissionProcedure ids (SOURCES.md 2.2).
SUBMISSION_PROCEDURES = {"31094504": SINGLE_STAGE, "31094505": TWO_STAGE}
# F&T names a two-stage topic so ("HORIZON-CL6-2027-01-CIRCBIO-01-two-stage", "-Two-Stage-D5-09").
_CASCADE_REFERENCE = re.compile(r"(\d+)COMPETITIVE_CALL")
_TWO_STAGE_ID = re.compile(r"-two-stage\b", re.IGNORECASE)


def topic_url(identifier: str) -> str:
    """The portal page of a topic, for records that carry no URL of their own."""
    return f"{PORTAL}/topic-details/{identifier}"


def cascade_identifier(reference: str | None) -> str | None:
    """The identifier of a cascade (FSTP) open call, the same from every F&T source: FSTP-<n>
    of its document reference `<n>COMPETITIVE_CALL<lang>`. Neither the parent topic id nor the
    callccm2Id of its portal URL will do: several open calls share them (SOURCES.md 12.4; METU
    and Gnomon share /competitive-calls-cs/46214053). None when the reference is not one."""
    found = _CASCADE_REFERENCE.match(reference or "")
    return f"FSTP-{found[1]}" if found else None


def cascade_url(call_id: str) -> str:
    """The portal page of a cascade (FSTP) open call."""
    return f"{PORTAL}/competitive-calls-cs/{call_id}"


def collapse(text: str | None) -> str | None:
    """Whitespace runs made single ("HORIZON  Research" is how the portal spells it)."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def model_from_actions(actions: Iterable[object]) -> str | None:
    """The deadline model named by the first actions[].submissionProcedure that names one."""
    for action in actions:
        procedure = action.get("submissionProcedure") if isinstance(action, dict) else None
        if not isinstance(procedure, dict):
            continue
        known = SUBMISSION_PROCEDURES.get(str(procedure.get("id")))
        named = procedure.get("abbreviation") or procedure.get("description")
        if known or isinstance(named, str):
            return known or collapse(str(named))
    return None


def label_deadlines(deadlines: Sequence[Deadline], model: str | None) -> tuple[Deadline, ...]:
    """Sorted deadlines labelled "stage N" (two-stage) or "cut-off N" (multiple cut-off)."""
    ordered = sorted(deadlines, key=lambda d: (d.date, d.time or time.min))
    if model == TWO_STAGE:  # even alone: a lone deadline of a two-stage topic is stage 1
        kind = STAGE
    elif model == MULTIPLE_CUT_OFF and len(ordered) > 1:
        kind = CUT_OFF
    else:
        return tuple(ordered)
    return tuple(
        Deadline(d.date, d.time, d.timezone, label(kind, n)) for n, d in enumerate(ordered, 1)
    )


def model_from_identifier(identifier: str) -> str | None:
    """Two-stage when the topic id says so; other models cannot be read from the id."""
    return TWO_STAGE if _TWO_STAGE_ID.search(identifier) else None


def infer_model(model: str | None, dates: Sequence[date]) -> str | None:
    """The model as given; three or more deadlines without one can only be cut-offs."""
    # Two dates could be two stages or two cut-offs, so only 3+ is inferred (EDF continuous calls).
    if model is None and len(set(dates)) >= 3:
        return MULTIPLE_CUT_OFF
    return model


def latest_info(entries: Iterable[object]) -> tuple[tuple[str, str], ...]:
    """The newest latestInfos entry (corrigenda, extensions) as extra fields."""
    dated = [
        (str(e.get("lastChangeDate") or ""), str(e.get("content") or ""))
        for e in entries
        if isinstance(e, dict) and e.get("content")
    ]
    if not dated:
        return ()
    changed, content = max(dated)
    return (("latest_info", content), ("latest_info_date", changed))


def topic_budget(overview: object, identifier: str, fields: Fields, name: str) -> Budget:
    """This topic's share of a budgetOverview, which covers the whole call: its actions only."""
    action_map = overview.get("budgetTopicActionMap") if isinstance(overview, dict) else None
    if not isinstance(action_map, dict):
        raise fields.error(name, WRONG_TYPE, overview)
    entries = [
        entry
        for group in action_map.values()
        for entry in (group if isinstance(group, list) else [])
        if isinstance(entry, dict) and str(entry.get("action", "")).startswith(identifier + " ")
    ]

    def eur(value: object) -> int:
        return fields.amount(name, value) or 0

    years = [e.get("budgetYearMap") for e in entries]
    total = sum(eur(v) for y in years if isinstance(y, dict) for v in y.values())
    # Zero means "not stated" here (MSCA COFUND has 0 grants of 0 EUR).
    lows = [eur(e["minContribution"]) for e in entries if e.get("minContribution")]
    highs = [eur(e["maxContribution"]) for e in entries if e.get("maxContribution")]
    grants = sum(eur(e.get("expectedGrants") or 0) for e in entries)
    return Budget(
        total_eur=total or None,
        min_grant_eur=min(lows) if lows else None,
        max_grant_eur=max(highs) if highs else None,
        expected_grants=grants or None,
    )
