"""Hard filters: which (actor, call) pairs may be scored at all on a given day."""

from __future__ import annotations

import numpy as np

from matcher.facts import ActorArrays
from matcher.index import MatchIndex
from matcher.scoring import BoolArray, CallBlock, Rows, Rule


def allowed(index: MatchIndex, sel: Rows, calls: CallBlock, arrays: ActorArrays) -> BoolArray:
    """Open on `today` with time to prepare, eligible where the call says, not dismissed."""
    mask = np.repeat(calls.open_ok[None, :], len(sel), axis=0)
    for rule, cols in calls.rules.items():
        mask[:, cols] &= eligible(arrays, rule)[:, None]
    for r in np.flatnonzero(arrays.has_dismissed).tolist():
        for call_id, marked in index.actors[int(sel[r])].dismissed.items():
            col = calls.column.get(index.call_pos.get(call_id, -1))
            if col is not None and calls.facts[col].hash == marked:
                mask[r, col] = False  # unchanged since dismissed; a changed call comes back
    return mask


def admits(rule: Rule, country: str, nuts3: str, kind: str) -> bool:
    """The call's rule admits one applicant: a country listed alone admits all of it, a country
    listed with regions of its own only those regions; empty lists restrict nothing."""
    countries, regions, org_types = rule
    if countries or regions:
        in_region = any(nuts3.startswith(code) for code in regions)
        whole_country = country in countries and country not in {code[:2] for code in regions}
        if not (in_region or whole_country):
            return False
    return not org_types or kind in org_types


def eligible(arrays: ActorArrays, rule: Rule) -> BoolArray:
    """Per actor, `admits` for every actor at once."""
    countries, regions, org_types = rule
    ok = np.ones(len(arrays.country), dtype=bool)
    if countries or regions:
        place = np.zeros(len(arrays.country), dtype=bool)
        if regions:
            place |= np.any([np.char.startswith(arrays.nuts3, r) for r in regions], axis=0)
        if countries:
            limited = sorted({code[:2] for code in regions})
            place |= np.isin(arrays.country, countries) & ~np.isin(arrays.country, limited)
        ok &= place
    if org_types:
        ok &= np.isin(arrays.eligibility, org_types)
    return ok
