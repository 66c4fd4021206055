"""The public scoring API: full re-score, one call against all actors, one actor against all calls."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from scipy import sparse

from matcher.calls import CallInput
from matcher.explain import Evidence, evidence, shared_words, similar_projects
from matcher.facts import ActorArrays
from matcher.feedback import Feedback
from matcher.filters import allowed
from matcher.index import MatchIndex, upsert_actor, upsert_call
from matcher.profile import Profile
from matcher.scoring import (
    Array,
    BoolArray,
    CallBlock,
    combine,
    components,
    dense,
    points,
    prepare_calls,
)

CELLS = 750_000  # actors x calls scored at once: bounds the memory of the dense arrays


@dataclass(frozen=True, slots=True)
class Match:
    """One kept (actor, call) pair: score 0-100, its components and what it rests on."""

    actor_id: str
    call_id: str
    score: float
    components: dict[str, float]  # component -> 0..1; components that do not apply are absent
    evidence: Evidence
    content_hash: str  # of the call as scored


def score_all(index: MatchIndex, today: date) -> list[Match]:
    """Re-score every actor against every call; keeps each actor's best matches."""
    return [match for _, matches in scored_blocks(index, today) for match in matches]


def scored_blocks(index: MatchIndex, today: date) -> Iterator[tuple[list[str], list[Match]]]:
    """`score_all` a chunk of actors at a time, in the index's order: the chunk's actor ids
    and their best matches, the next chunk scored in a thread while this one is used."""
    calls = live_block(index, today)
    with _collector_paused():
        for block in _blocks(index, range(len(index.actors)), calls):
            ids = [index.actors[row].profile.id for row in block.sel.tolist()]
            yield ids, _kept(index, block, calls, today, capped=True)


def score_call(index: MatchIndex, call: CallInput, today: date) -> list[Match]:
    """Add or replace one call and score it against every actor (no per-actor cap)."""
    upsert_call(index, call)
    return score_calls(index, [call.id], today)


def score_calls(index: MatchIndex, call_ids: Sequence[str], today: date) -> list[Match]:
    """Calls already in the index against every actor (no per-actor cap); unknown ids skipped."""
    live = set(index.live_calls())
    rows = [r for c in call_ids if (r := index.call_pos.get(c)) is not None and r in live]
    calls = prepare_calls(index, rows, today)
    return _matches(index, range(len(index.actors)), calls, today, capped=False)


def score_profile(
    index: MatchIndex, profile: Profile, today: date, feedback: Sequence[Feedback] = ()
) -> list[Match]:
    """Add or replace one actor (profile and feedback) and score it against every call."""
    row = upsert_actor(index, profile, feedback)
    return _matches(index, [row], live_block(index, today), today, capped=True)


def score_matrix(
    index: MatchIndex, today: date | None = None
) -> tuple[npt.NDArray[np.float32], BoolArray]:
    """Scores and hard-filter mask of all actors x all calls; without `today`, no date filters."""
    calls = prepare_calls(index, range(len(index.calls)), today)
    blocks = [(b.score, b.allowed) for b in _blocks(index, range(len(index.actors)), calls)]
    empty = np.zeros((0, len(index.calls)), dtype=np.float32)
    scores = [score for score, _ in blocks] or [empty]
    return np.vstack(scores), np.vstack([ok for _, ok in blocks] or [empty.astype(bool)])


def score_pair(index: MatchIndex, actor_id: str, call_id: str, today: date | None = None) -> Match:
    """One pair scored and explained whatever its score and the hard filters say."""
    calls = prepare_calls(index, [index.call_pos[call_id]], today)
    block = next(_blocks(index, [index.actor_pos[actor_id]], calls))
    return _explained(index, block, calls, np.ones((1, 1), dtype=bool), today)[0]


def rank_calls(
    index: MatchIndex, actor_id: str, today: date | None = None
) -> list[tuple[str, float]]:
    """Every call the actor may apply to, best first (ties by identifier), with its score."""
    calls = prepare_calls(index, index.live_calls(), today)
    block = next(_blocks(index, [index.actor_pos[actor_id]], calls))
    score, ok = block.score[0], block.allowed[0]
    ids = [f.call.identifier for f in calls.facts]
    order = sorted(np.flatnonzero(ok).tolist(), key=lambda j: (-score[j], ids[j]))
    return [(calls.facts[j].call.id, float(score[j])) for j in order]


@dataclass
class _Block:
    """Scores of a chunk of actors against the calls of one run."""

    sel: npt.NDArray[np.int64]
    arrays: ActorArrays
    parts: dict[str, Array]
    score: Array
    allowed: BoolArray


def _chunks(actors: Sequence[int], calls: CallBlock) -> list[npt.NDArray[np.int64]]:
    """Actor rows in chunks sized so each dense array stays about CELLS floats."""
    rows = np.asarray(list(actors), dtype=np.int64)
    size = max(16, CELLS // max(1, len(calls.facts)))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def _block(index: MatchIndex, sel: npt.NDArray[np.int64], calls: CallBlock) -> _Block:
    """Components, scores and hard filters of one chunk of actors."""
    arrays = index.actor_arrays(sel)
    parts = components(index, sel, calls, arrays)
    return _Block(sel, arrays, parts, combine(index, parts), allowed(index, sel, calls, arrays))


def _blocks(index: MatchIndex, actors: Sequence[int], calls: CallBlock) -> Iterator[_Block]:
    """The blocks of all actors; the next is computed in a thread while this one is used.

    NumPy and SciPy release the GIL, so on two cores a block's arrays are computed while the
    previous block's explanations are written in Python.
    """
    chunks = _chunks(actors, calls)
    if len(chunks) < 2:
        yield from (_block(index, sel, calls) for sel in chunks)
        return
    index.call_matrix(), index.actor_matrix(), index.actor_arrays(chunks[0])  # read-only now
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_block, index, chunks[0], calls)
        for following in [*chunks[1:], None]:
            block = future.result()
            if following is not None:
                future = pool.submit(_block, index, following, calls)
            yield block


def live_block(index: MatchIndex, today: date) -> CallBlock:
    """The live calls open to applicants, prepared for scoring on `today`, kept on the index
    until a call changes."""
    if index.live_block is None or index.live_block[0] != today:
        index.live_block = (today, prepare_calls(index, index.live_calls(), today, open_only=True))
    block: CallBlock = index.live_block[1]
    return block


def _matches(
    index: MatchIndex, actors: Sequence[int], calls: CallBlock, today: date, capped: bool
) -> list[Match]:
    return [
        m
        for block in _blocks(index, actors, calls)
        for m in _kept(index, block, calls, today, capped)
    ]


def _kept(
    index: MatchIndex, block: _Block, calls: CallBlock, today: date, capped: bool
) -> list[Match]:
    """A block's matches at or above the minimum score (capped: each actor's best), explained."""
    keep = block.allowed & (block.score >= index.settings.min_score)
    if capped:
        keep = _top_per_row(block.score, keep, index.settings.max_matches_per_actor)
    return _explained(index, block, calls, keep, today)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of matches are built.

    The matches hold no reference cycles; without the pause, collections that walk the whole
    index again and again take a third of a full re-score.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _top_per_row(score: Array, keep: BoolArray, n: int) -> BoolArray:
    """`keep` narrowed to the n highest scores of each row, ties by column."""
    if 0 < n < keep.shape[1]:  # first only the cells at or above each row's n-th score
        kept = np.where(keep, score, -np.inf)
        nth = -np.partition(-kept, n - 1, axis=1)[:, n - 1]
        keep = keep & (kept >= nth[:, None])
    rows, cols = np.nonzero(keep)
    order = np.lexsort((cols, -score[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, rows, side="left")
    top = np.arange(len(rows)) - starts < n
    out = np.zeros_like(keep)
    out[rows[top], cols[top]] = True
    return out


def _explained(
    index: MatchIndex, block: _Block, calls: CallBlock, keep: BoolArray, today: date | None
) -> list[Match]:
    """Matches with explanations, built only for the kept pairs; each actor's best first."""
    rows, cols = np.nonzero(keep)
    if not len(rows):
        return []
    order = np.lexsort((cols, -block.score[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    assert index.call_vectors is not None and index.actor_vectors is not None
    call_vectors = index.call_vectors.take(calls.rows[cols])
    product = index.actor_vectors.take(block.sel[rows]).multiply(call_vectors).tocsr()
    names = list(block.parts)
    shape = block.score.shape
    values = np.stack([np.broadcast_to(block.parts[k], shape)[rows, cols] for k in names], 1)
    table = np.round(values.astype(np.float64), 3).tolist()
    shares = points(index, dict(zip(names, values.T, strict=True)))
    share_table = np.round(np.stack([shares[k] for k in names], 1).astype(np.float64), 1).tolist()
    similar = _similar(index, block, calls, rows, cols)
    actors = [index.actors[i] for i in block.sel.tolist()]
    words = shared_words(index, product, [actors[r] for r in rows.tolist()])
    scores = np.round(block.score[rows, cols].astype(np.float64), 1).tolist()
    out = []
    for i, (r, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        actor, call = actors[r], calls.facts[j]
        comps = {k: v for k, v in zip(names, table[i], strict=True) if v == v}  # v != v: NaN
        pts = {k: v for k, v in zip(names, share_table[i], strict=True) if v == v}
        ev = evidence(index, actor, call, comps, pts, words[i], similar[i], calls.deadlines[j])
        out.append(Match(actor.profile.id, call.call.id, scores[i], comps, ev, call.hash))
    return out


def _similar(
    index: MatchIndex,
    block: _Block,
    calls: CallBlock,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> list[tuple[str, ...]]:
    """Similar past projects of each kept pair: one sparse product for the whole block."""
    out: list[tuple[str, ...]] = [()] * len(rows)
    owners = [
        (index.actors[int(block.sel[r])], start, end)
        for r, start, end in _runs(rows)
        if index.actors[int(block.sel[r])].profile.past_projects
    ]
    if not owners:
        return out
    stacked = sparse.vstack([actor.past_vectors for actor, _, _ in owners], "csr")
    used, where = np.unique(cols, return_inverse=True)
    cosines = dense(stacked @ calls.vectors_t[:, used])
    top = 0
    for actor, start, end in owners:
        n = len(actor.profile.past_projects)
        out[start:end] = similar_projects(actor, cosines[top : top + n][:, where[start:end]])
        top += n
    return out


def _runs(rows: npt.NDArray[np.int64]) -> list[tuple[int, int, int]]:
    """(value, start, end) of each run of equal values in a sorted array."""
    if not len(rows):
        return []
    edges = np.flatnonzero(np.diff(rows)) + 1
    starts = np.concatenate(([0], edges)).tolist()
    ends = np.concatenate((edges, [len(rows)])).tolist()
    return [(int(rows[s]), s, e) for s, e in zip(starts, ends, strict=True)]
