"""Hard filters: which (actor, call) pairs may be scored at all on a given day."""

from __future__ import annotations

import numpy as np

from matcher.facts import ActorArrays
from matcher.index import MatchIndex
from matcher.scoring import BoolArray, CallBlock, Rows

Rule = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def allowed(index: MatchIndex, sel: Rows, calls: CallBlock, arrays: ActorArrays) -> BoolArray:
    """Open on `today` with time to prepare, eligible where the call says, not dismissed."""
    mask = np.repeat(calls.open_ok[None, :], len(sel), axis=0)
    groups: dict[Rule, list[int]] = {}
    for j, f in enumerate(calls.facts):
        rule = (f.call.countries, f.call.regions, f.call.organisation_types)
        if any(rule):
            groups.setdefault(rule, []).append(j)
    for rule, cols in groups.items():
        mask[:, cols] &= eligible(arrays, rule)[:, None]
    for r in np.flatnonzero(arrays.has_dismissed).tolist():
        for call_id, marked in index.actors[int(sel[r])].dismissed.items():
            col = calls.column.get(index.call_pos.get(call_id, -1))
            if col is not None and calls.facts[col].hash == marked:
                mask[r, col] = False  # unchanged since dismissed; a changed call comes back
    return mask


def eligible(arrays: ActorArrays, rule: Rule) -> BoolArray:
    """Per actor: its country, NUTS region and organisation type fit the call's rule."""
    countries, regions, org_types = rule
    ok = np.ones(len(arrays.country), dtype=bool)
    if countries:
        ok &= np.isin(arrays.country, countries)
    if regions:
        ok &= np.any([np.char.startswith(arrays.nuts3, r) for r in regions], axis=0)
    if org_types:
        ok &= np.isin(arrays.eligibility, org_types)
    return ok
