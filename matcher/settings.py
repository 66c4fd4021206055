"""Tunable settings of matching (config.toml [matching]) and priors learned from history."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from callrules.deadlines import PREPARATION_DAYS

# Component names, in the order explanations mention them.
COMPONENTS = (
    "text",
    "theme",
    "past",
    "interest",
    "org_fit",
    "budget",
    "role",
    "time",
    "feedback",
)


@dataclass(frozen=True)
class Weights:
    """Weight of each score component; a component that does not apply drops out.

    Feedback (-1..1) is added to the weighted mean of the others with its weight, so a call
    like one marked relevant rises, one like a dismissed call falls, others stay put.
    """

    text: float = 1.0
    theme: float = 0.3
    past: float = 0.35
    interest: float = 0.15
    org_fit: float = 0.11
    budget: float = 0.15
    role: float = 0.1
    time: float = 0.1
    feedback: float = 0.4

    def get(self, name: str) -> float:
        """The weight of a component by name."""
        return float(getattr(self, name))


@dataclass(frozen=True)
class MatchSettings:
    """How calls are filtered, scored and kept."""

    min_days_to_prepare: int = PREPARATION_DAYS  # a call needing it is offered no sooner
    min_score: float = 30.0  # matches below this are not kept (nor explained)
    max_matches_per_actor: int = 25  # in full and per-profile re-scores
    text_scale: float = 0.5  # cosine at which text relevance counts as full
    time_full_days: int = 60  # days left at which the time component is full
    # Call-to-call cosines between which a call counts from "unlike" to "like" a marked one;
    # 95 % of pairs of the 723 calls of 2026-08-22 have a cosine below 0.15, 99.9 % below 0.54.
    feedback_cosines: tuple[float, float] = (0.16, 0.5)
    weights: Weights = field(default_factory=Weights)
    # Field weights of the text vectors, tuned on the benchmark's dev cases.
    call_field_weights: tuple[float, float, float] = (1.0, 1.0, 2.0)  # head, context, body
    profile_field_weights: tuple[float, ...] = (2.0, 0.5, 3.0, 0.5, 1.0)  # see profile_fields
    # Each call field is divided by its length to this power before the fields are summed:
    # below 1 a long description outweighs a short title, as newcomers write in the words of
    # descriptions (bench/RESULTS.md, cold-start cases).
    call_field_norm: float = 0.75
    # Weight of the exact words of a profile's description and keywords beside its stems
    # (bench/RESULTS.md, cold-start cases).
    exact_word_weight: float = 0.5

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MatchSettings:
        """Settings from a config table such as [matching]; its `themes` rows are not read here."""
        values = {k: v for k, v in data.items() if k != "themes"}
        weights = Weights(**values.pop("weights", {}))
        for key in ("call_field_weights", "profile_field_weights", "feedback_cosines"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(weights=weights, **values)


@dataclass(frozen=True)
class Priors:
    """Statistics of earlier calls: how often each organisation type joins each action kind."""

    org_action_lift: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def lift(self, org_type: str, kind: str) -> float | None:
        """Participation lift of an eligibility type in an action kind; None when unknown."""
        return self.org_action_lift.get((org_type, kind))


def learn_priors(
    participations: Iterable[tuple[str, Iterable[str]]], min_count: int = 20
) -> Priors:
    """Lifts from past (eligibility type, action kinds) rows, e.g. CORDIS 2021-2022 projects."""
    joint: Counter[tuple[str, str]] = Counter()
    by_org: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for org_type, kinds in participations:
        by_org[org_type] += 1
        for kind in set(kinds) - {""}:
            joint[org_type, kind] += 1
            by_kind[kind] += 1
    total = sum(by_org.values())
    # +1 smoothing: a pair never seen gets a low lift, not an unknown one.
    lifts = {
        (org, kind): (joint[org, kind] + 1) / (by_org[org] * by_kind[kind] / total + 1)
        for org in by_org
        for kind in by_kind
        if by_kind[kind] >= min_count
    }
    return Priors(lifts)


def lift_component(lift: float) -> float:
    """A lift as a 0..1 component: 1x is 0.5, 4x or more is 1, a quarter or less is 0."""
    return min(1.0, max(0.0, 0.5 + math.log(lift) / (2 * math.log(4))))
