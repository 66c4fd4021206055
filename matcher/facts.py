"""Per-call and per-actor facts the index keeps, and per-actor arrays for fast scoring."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from matcher.calls import CallInput
from matcher.profile import Profile, eligibility_type
from matcher.text import Matrix
from matcher.themes import ThemeTag

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ROLE_CODES = {"either": 0, "coordinator": 1, "partner": 2}


@dataclass(frozen=True)
class CallFacts:
    """What scoring needs of one call besides its text vector."""

    call: CallInput
    prefix: str
    keys: tuple[int, int]  # programme-part key and recurring-topic key (-1: none)
    kind: str
    tags: tuple[ThemeTag, ...]
    hash: str
    single: bool
    grant: tuple[float, float] | None  # grant size range in EUR


@dataclass(frozen=True)
class ActorFacts:
    """What scoring needs of one actor besides its text vector."""

    profile: Profile
    key_weights: tuple[tuple[int, float], ...]  # (key, weight) of past participation
    past_vectors: Matrix  # one row per past project, for "similar past project"
    past_prefixes: Mapping[str, int]  # programme-part prefix -> number of past projects
    feedback_vectors: Matrix  # one row per teaching feedback
    feedback_signs: tuple[int, ...]
    feedback_series: tuple[int, ...]  # recurring-topic key of each marked call (-1: none)
    dismissed: Mapping[str, str]  # call id -> content hash when dismissed


class RowStore:
    """A CSR matrix whose rows are replaced or appended one at a time, rebuilt lazily."""

    def __init__(self, matrix: Matrix) -> None:
        self._matrix = matrix
        self._pending: dict[int, Matrix] = {}

    def __len__(self) -> int:
        return max(int(self._matrix.shape[0]), max(self._pending, default=-1) + 1)

    def set(self, i: int, row: Matrix) -> None:
        """Replace row i, or append it when i is the next row."""
        self._pending[i] = row

    def take(self, rows: npt.NDArray[np.int64]) -> Matrix:
        """Some rows, without rebuilding when they are all pending (a new or changed row)."""
        if self._pending and len(rows) and all(int(i) in self._pending for i in rows):
            return sparse.vstack([self._pending[int(i)] for i in rows], "csr")
        return self.matrix()[rows]

    def matrix(self) -> Matrix:
        """All rows, pending changes applied."""
        if self._pending:
            base = self._matrix.shape[0]
            order = np.arange(len(self))
            extra = sorted(self._pending)
            order[extra] = base + np.arange(len(extra))
            stacked = sparse.vstack([self._matrix, *(self._pending[i] for i in extra)], "csr")
            self._matrix = sparse.csr_matrix(stacked[order])
            self._pending = {}
        return self._matrix


@dataclass(frozen=True)
class FeedbackRows:
    """The teaching feedback of several actors stacked: one vector per mark, with its owner."""

    vectors: Matrix  # marks x vocabulary
    owner: npt.NDArray[np.int64]  # row of the actor in its ActorArrays
    sign: npt.NDArray[np.int8]  # +1 like, -1 unlike
    series: npt.NDArray[np.int64]  # recurring-topic key of the marked call (-1: none)

    def take(self, rows: npt.NDArray[np.int64], n_actors: int) -> FeedbackRows:
        """The marks of some actors only, owners renumbered to their place in `rows`."""
        place = np.full(n_actors, -1, dtype=np.int64)
        place[rows] = np.arange(len(rows))
        kept = np.flatnonzero(place[self.owner] >= 0)
        owner = place[self.owner[kept]]
        return FeedbackRows(self.vectors[kept], owner, self.sign[kept], self.series[kept])


def feedback_rows(actors: Sequence[ActorFacts]) -> FeedbackRows:
    """The teaching feedback of the actors, stacked."""
    owners = [r for r, a in enumerate(actors) for _ in a.feedback_signs]
    signs = [s for a in actors for s in a.feedback_signs]
    series = [k for a in actors for k in a.feedback_series]
    matrices = [a.feedback_vectors for a in actors if a.feedback_signs]
    width = actors[0].feedback_vectors.shape[1] if actors else 0
    vectors = sparse.vstack(matrices, "csr") if matrices else sparse.csr_matrix((0, width))
    return FeedbackRows(
        vectors, np.array(owners, np.int64), np.array(signs, np.int8), np.array(series, np.int64)
    )


@dataclass(frozen=True)
class ActorArrays:
    """Actor facts as arrays (one row per actor), so scoring a block needs no Python loop."""

    theme_mask: BoolArray  # actor x theme: the actor chose the theme
    key_weights: Matrix  # actor x key (COO parts kept; the key count grows with calls)
    has_past: BoolArray
    interests: tuple[str, ...]  # every programme of interest named by any actor
    interest_mask: BoolArray  # actor x interest
    eligibility: npt.NDArray[np.str_]  # eligibility type
    country: npt.NDArray[np.str_]
    nuts3: npt.NDArray[np.str_]
    budget_low: FloatArray  # 0 when only a maximum is given
    budget_high: FloatArray  # inf when only a minimum is given
    budget_known: BoolArray
    cofinancing: FloatArray  # inf when not given
    role: npt.NDArray[np.int8]  # ROLE_CODES
    has_feedback: BoolArray
    has_dismissed: BoolArray
    feedback: FeedbackRows

    def take(self, rows: npt.NDArray[np.int64]) -> ActorArrays:
        """The arrays of some actors only, in the order of `rows`."""
        if len(rows) == len(self.role) and (rows == np.arange(len(rows))).all():
            return self
        picked = {
            f.name: value if f.name == "interests" else value[rows]
            for f in dataclasses.fields(self)
            if f.name != "feedback"
            for value in [getattr(self, f.name)]
        }
        return ActorArrays(**picked, feedback=self.feedback.take(rows, len(self.role)))


def actor_arrays(actors: Sequence[ActorFacts], theme_names: Sequence[str]) -> ActorArrays:
    """The arrays of a list of actors."""
    profiles = [a.profile for a in actors]
    interests = tuple(sorted({i for p in profiles for i in p.programmes}))
    return ActorArrays(
        theme_mask=np.array([[t in p.themes for t in theme_names] for p in profiles], bool).reshape(
            len(profiles), len(theme_names)
        ),
        key_weights=_key_matrix(actors),
        has_past=np.array([bool(p.past_projects) for p in profiles], bool),
        interests=interests,
        interest_mask=np.array(
            [[i in p.programmes for i in interests] for p in profiles], bool
        ).reshape(len(profiles), len(interests)),
        eligibility=np.array([eligibility_type(p.org_type) for p in profiles], str),
        country=np.array([p.country for p in profiles], str),
        nuts3=np.array([p.nuts3 for p in profiles], str),
        budget_low=np.array([p.budget_min_eur or 0 for p in profiles], float),
        budget_high=np.array([p.budget_max_eur or np.inf for p in profiles], float),
        budget_known=np.array([bool(p.budget_min_eur or p.budget_max_eur) for p in profiles]),
        cofinancing=np.array([_or_inf(p.cofinancing_eur) for p in profiles], float),
        role=np.array([ROLE_CODES[p.preferred_role] for p in profiles], np.int8),
        has_feedback=np.array([bool(a.feedback_signs) for a in actors], bool),
        has_dismissed=np.array([bool(a.dismissed) for a in actors], bool),
        feedback=feedback_rows(actors),
    )


def _or_inf(value: int | None) -> float:
    return np.inf if value is None else float(value)


def _key_matrix(actors: Sequence[ActorFacts]) -> Matrix:
    entries = [(r, k, w) for r, a in enumerate(actors) for k, w in a.key_weights]
    n_keys = max((k for _, k, _ in entries), default=-1) + 1
    rows, keys, weights = zip(*entries, strict=True) if entries else ((), (), ())
    return sparse.csr_matrix((weights, (rows, keys)), shape=(len(actors), n_keys))
