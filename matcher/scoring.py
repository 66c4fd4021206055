"""The named score components and their 0-100 combination, for blocks of actors x calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from scipy import sparse

from callrules.deadlines import ForApplicant
from matcher.calls import for_applicant
from matcher.facts import ActorArrays, CallFacts
from matcher.index import MatchIndex
from matcher.settings import COMPONENTS, lift_component
from matcher.text import Matrix

Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.int64]
NA = np.float32(np.nan)  # the component does not apply to this pair
PARTNER_ON_SINGLE = 0.2  # role fit of a partner-minded actor for a single-applicant call
# An eligibility rule: (countries, regions, organisation types); empty lists restrict nothing.
Rule = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
ADDITIVE = ("feedback",)  # components added to the weighted mean rather than averaged in


@dataclass
class CallBlock:
    """The calls of one scoring run as arrays, prepared once for every actor chunk."""

    rows: Rows
    facts: list[CallFacts]
    vectors_t: Matrix  # vocabulary x calls
    open_ok: BoolArray  # status and time to prepare allow the call (all True without today)
    deadlines: list[date | None]  # each call's deadline for a new applicant on `today`
    time: Array  # the time component per call
    column: dict[int, int]  # index row of a call -> its column in this block
    theme_scores: Array  # call x theme
    grants: npt.NDArray[np.float64]  # call x (low, high) in EUR, NaN when unknown
    funding_rate: npt.NDArray[np.float64]  # percent; 100 when unknown
    single: BoolArray
    past_keys: tuple[Rows, Rows]  # (key, column) of each past-participation key of the calls
    kinds: tuple[npt.NDArray[np.str_], Rows]  # the types of action, and each call's among them
    series: Rows  # each call's topic series key
    rules: dict[Rule, Rows]  # the columns of the calls of each eligibility rule that restricts
    interests: dict[str, BoolArray] = field(default_factory=dict)  # interest -> calls it names


def prepare_calls(
    index: MatchIndex, rows: Sequence[int], today: date | None, open_only: bool = False
) -> CallBlock:
    """Per-call arrays for scoring: vectors, filters on `today`, time left, themes, money.
    With `open_only`, only the calls a new applicant can still prepare for on `today`: no
    other can match, so a nightly run over years of closed calls scores only the open ones."""
    min_days = index.settings.min_days_to_prepare
    views = [for_applicant(index.calls[i].call, today, min_days) for i in rows] if today else []
    if open_only and today is not None:
        kept = [k for k, view in enumerate(views) if _applicable(view)]
        rows, views = [rows[k] for k in kept], [views[k] for k in kept]
    facts = [index.calls[i] for i in rows]
    idx = np.asarray(rows, dtype=np.int64)
    assert index.call_vectors is not None
    n = len(facts)
    days = np.full(n, np.nan, dtype=np.float32)
    open_ok = np.ones(n, dtype=bool)
    deadlines: list[date | None] = [None] * n
    for j, view in enumerate(views):
        assert today is not None
        deadlines[j] = deadline = view.deadline
        days[j] = np.nan if deadline is None else (deadline - today).days
        open_ok[j] = _applicable(view)
    full = float(index.settings.time_full_days)
    time = np.where(np.isnan(days), 1.0, np.minimum(1.0, days / full)).astype(np.float32)
    if today is None:
        time[:] = NA
    column = {t.name: i for i, t in enumerate(index.themes.themes)}
    themes = np.zeros((n, len(column)), dtype=np.float32)
    for j, f in enumerate(facts):
        for tag in f.tags:
            if tag.theme in column:  # a theme taken out of the config counts for nothing
                themes[j, column[tag.theme]] = tag.score
    keys = [(k, j) for j, f in enumerate(facts) for k in f.keys if k >= 0]
    kinds, kind_idx = np.unique([f.kind for f in facts], return_inverse=True)
    rules: dict[Rule, list[int]] = {}
    for j, f in enumerate(facts):
        rule = (f.call.countries, f.call.regions, f.call.organisation_types)
        if any(rule):
            rules.setdefault(rule, []).append(j)
    return CallBlock(
        rows=idx,
        facts=facts,
        vectors_t=index.call_vectors.take(idx).T.tocsr(),
        open_ok=open_ok,
        deadlines=deadlines,
        time=time,
        column={int(row): j for j, row in enumerate(idx)},
        theme_scores=themes,
        grants=np.array([f.grant or (np.nan, np.nan) for f in facts], float).reshape(n, 2),
        funding_rate=np.array([f.call.funding_rate or 100.0 for f in facts], float),
        single=np.array([f.single for f in facts], bool),
        past_keys=(
            np.array([k for k, _ in keys], np.int64),
            np.array([j for _, j in keys], np.int64),
        ),
        kinds=(kinds, kind_idx.ravel()),
        series=np.array([f.keys[1] for f in facts], np.int64),
        rules={rule: np.array(cols, np.int64) for rule, cols in rules.items()},
    )


def _applicable(view: ForApplicant[date]) -> bool:
    """Open or forthcoming to a new applicant, with the time to prepare."""
    return view.status != "closed" and not view.tight


def components(
    index: MatchIndex, sel: Rows, calls: CallBlock, arrays: ActorArrays
) -> dict[str, Array]:
    """Each component, NaN where it does not apply; some broadcast along actors or calls."""
    assert index.actor_vectors is not None
    cosine = dense(index.actor_vectors.take(sel) @ calls.vectors_t)
    values = {
        "text": np.minimum(1.0, cosine / index.settings.text_scale),
        "theme": _theme(arrays, calls),
        "past": _past(index, arrays, calls),
        "interest": _interest(arrays, calls),
        "org_fit": _org_fit(index, arrays, calls),
        "budget": _budget(arrays, calls),
        "role": _role(arrays, calls),
        "time": calls.time[None, :],
        "feedback": _feedback(index, arrays, calls),
    }
    return {k: np.asarray(values[k], dtype=np.float32) for k in COMPONENTS}


def combine(index: MatchIndex, parts: Mapping[str, Array]) -> Array:
    """The 0-100 score: the sum of the components' points (`points`), clipped."""
    total, weight = _sums(index, parts)
    total *= _scale(weight)
    return np.clip(total, 0, 100, out=total)


def points(index: MatchIndex, parts: Mapping[str, Array]) -> dict[str, Array]:
    """Each component's signed points of the 0-100 score (before the clip), NaN where it does
    not apply: the weighted mean of the components that apply, plus feedback."""
    weights, scale = index.settings.weights, _scale(_sums(index, parts)[1])
    return {
        name: np.asarray(np.float32(weights.get(name)) * value * scale, np.float32)
        for name, value in parts.items()
    }


def _sums(index: MatchIndex, parts: Mapping[str, Array]) -> tuple[Array, Array]:
    """Per pair, the weighted sum of the components that apply (not NaN) and their weight.
    Feedback (-1..1) only moves a score: it adds to the sum, not to the weight, so calls unlike
    any marked one keep theirs. Each component is read at its own shape, in one pass."""
    weights = index.settings.weights
    shape = np.broadcast_shapes(*(value.shape for value in parts.values()))
    total, weight = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    for name, value in parts.items():
        w, applies = np.float32(weights.get(name)), ~np.isnan(value)
        np.add(total, w * value, out=total, where=applies)
        if name not in ADDITIVE:
            np.add(weight, w, out=weight, where=applies)
    return total, weight


def _scale(weight: Array) -> Array:
    """What turns a weighted sum into points of 100."""
    return np.asarray(np.float32(100) / np.maximum(weight, np.float32(1e-6)), np.float32)


def dense(matrix: Matrix) -> Array:
    """A sparse result as a dense float32 array."""
    return np.asarray(matrix.toarray(), dtype=np.float32)


def _rows_na(values: Array, applies: BoolArray) -> Array:
    """`values` with the rows of actors the component does not apply to set to NaN."""
    values[~applies] = NA
    return values


def _theme(arrays: ActorArrays, calls: CallBlock) -> Array:
    mask = arrays.theme_mask
    out = np.zeros((len(mask), len(calls.facts)), dtype=np.float32)
    for t in range(mask.shape[1]):  # best score among the call's themes the actor chose
        np.maximum(out, mask[:, t, None] * calls.theme_scores[None, :, t], out=out)
    return _rows_na(out, np.asarray(mask.any(axis=1), dtype=bool))


def _past(index: MatchIndex, arrays: ActorArrays, calls: CallBlock) -> Array:
    n_keys = len(index.keys)
    weights = arrays.key_weights.copy()
    weights.resize(
        (weights.shape[0], n_keys)
    )  # calls may have added keys since the arrays were built
    keys, cols = calls.past_keys
    one_hot = sparse.csr_matrix(
        (np.ones(len(cols)), (keys, cols)), shape=(n_keys, len(calls.facts))
    )
    return _rows_na(dense(weights @ one_hot), arrays.has_past)


def interest_matches(interest: str, facts: CallFacts) -> bool:
    """True when a programme of interest (`LIFE`, `HORIZON-CL6`, `CL6`) names this call's."""
    wanted = interest.strip().upper()
    return bool(wanted) and (
        f"-{wanted}-" in f"-{facts.prefix}-"
        or facts.prefix.startswith(wanted)
        or wanted in facts.call.programme.upper()
    )


def _interest(arrays: ActorArrays, calls: CallBlock) -> Array:
    mask = arrays.interest_mask
    out = np.zeros((len(mask), len(calls.facts)), dtype=bool)
    for i in np.flatnonzero(mask.any(axis=0)).tolist():
        interest = arrays.interests[i]
        if interest not in calls.interests:
            calls.interests[interest] = np.array(
                [interest_matches(interest, f) for f in calls.facts], dtype=bool
            )  # bool even with no calls
        out |= mask[:, i, None] & calls.interests[interest][None, :]
    return _rows_na(out.astype(np.float32), np.asarray(mask.any(axis=1), dtype=bool))


def _org_fit(index: MatchIndex, arrays: ActorArrays, calls: CallBlock) -> Array:
    types, type_idx = np.unique(arrays.eligibility, return_inverse=True)
    kinds, kind_idx = calls.kinds
    table = np.full((len(types), len(kinds)), NA, dtype=np.float32)
    for t, org_type in enumerate(types.tolist()):
        for k, kind in enumerate(kinds.tolist()):
            lift = index.priors.lift(org_type, kind)
            table[t, k] = NA if lift is None else lift_component(lift)
    return np.asarray(table[type_idx.ravel()][:, kind_idx], dtype=np.float32)


def _budget(arrays: ActorArrays, calls: CallBlock) -> Array:
    def log(values: npt.NDArray[np.float64]) -> Array:
        return np.log10(values).astype(np.float32)

    with np.errstate(divide="ignore", invalid="ignore"):
        # Orders of magnitude between the ranges: a tenfold gap scores 0. (Logarithms of the
        # ends, then differences: one subtraction per pair, not a division and a logarithm.)
        c_low, c_high = log(calls.grants[:, 0]), log(calls.grants[:, 1])
        a_low, a_high = log(np.maximum(arrays.budget_low, 1)), log(arrays.budget_high)
        gap = np.maximum(a_low[:, None] - c_high[None, :], c_low[None, :] - a_high[:, None])
        fit = np.clip(1 - np.maximum(gap, 0), 0, 1)
        # The own share of the smallest grant's project beyond the actor's means lowers it
        # (none when the rate or the grant is unknown: 1/0 and 0/0 are no limit to fmin).
        need = calls.grants[:, 0] * (100 - calls.funding_rate) / calls.funding_rate
        need = np.where(need > 0, need, 0).astype(np.float32)
        means = arrays.cofinancing.astype(np.float32)
        fit *= np.fmin(np.float32(1), means[:, None] / need[None, :])
    return _rows_na(fit, arrays.budget_known)


def _role(arrays: ActorArrays, calls: CallBlock) -> Array:
    role = arrays.role[:, None]
    out = np.where((role == 2) & calls.single[None, :], PARTNER_ON_SINGLE, 1.0)
    return _rows_na(out.astype(np.float32), arrays.role != 0)


def _feedback(index: MatchIndex, arrays: ActorArrays, calls: CallBlock) -> Array:
    out = np.full((len(arrays.role), len(calls.facts)), NA, dtype=np.float32)
    marks = arrays.feedback
    if not len(marks.owner):
        return out
    low, high = index.settings.feedback_cosines
    cosine = dense(marks.vectors @ calls.vectors_t)
    # Any two calls share some boilerplate: only a cosine above `low` counts as alike.
    alike = np.clip((cosine - low) / (high - low), 0.0, 1.0)
    # The next edition of a marked topic (same series, another year) is fully alike.
    same = (marks.series[:, None] == calls.series[None, :]) & (marks.series[:, None] >= 0)
    alike = np.maximum(alike, same.astype(np.float32))
    out[arrays.has_feedback] = 0.0
    for sign in (1, -1):
        chosen = np.flatnonzero(marks.sign == sign)
        owners, best = _max_by_owner(alike[chosen], marks.owner[chosen])
        out[owners] += sign * best
    return out


def _max_by_owner(values: Array, owners: npt.NDArray[np.int64]) -> tuple[Rows, Array]:
    """Per distinct owner, the elementwise maximum of its rows of `values`."""
    if not len(owners):
        return owners, values
    order = np.argsort(owners, kind="stable")
    owners, values = owners[order], values[order]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    return owners[starts], np.maximum.reduceat(values, starts, axis=0)
