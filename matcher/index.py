"""Calls and actors turned once into vectors and facts, updated one call or actor at a time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.calls import (
    CallInput,
    action_kind,
    call_hash,
    call_prefix,
    grant_range,
    identifier_prefix,
    is_single_applicant,
    topic_series,
)
from matcher.facts import ActorArrays, ActorFacts, CallFacts, RowStore, actor_arrays
from matcher.feedback import Feedback, feedback_sign
from matcher.profile import Profile
from matcher.settings import MatchSettings, Priors
from matcher.text import (
    Counts,
    Matrix,
    StemCache,
    TextModel,
    fit_counts,
    vectorize,
    vectorize_counts,
)
from matcher.themes import Theme, ThemeMatcher, ThemeTag

# Share of past participation credited to the programme part and to the recurring topic.
PREFIX_SHARE, SERIES_SHARE = 0.75, 0.25


EXACT_FIELD = 3  # in call_counts: the exact words, after head, context and body


def call_fields(call: CallInput) -> tuple[str, str, str]:
    """The call's text as head (title, keywords), context (programme, call) and body."""
    head = " ".join((call.title, *call.keywords))
    context = " ".join((call.programme, call.programme_part, call.call_title))
    return head, context, call.description


PROFILE_FIELDS = ("description", "keywords", "past titles", "past programme parts", "past fields")


def profile_fields(profile: Profile) -> tuple[str, str, str, str, str]:
    """Profile text as description, keywords, past topics, past programme parts, past fields."""
    past = profile.past_projects
    return (
        profile.description,
        " ".join(profile.keywords),
        " ".join(p.title for p in past),
        " ".join(p.programme_part for p in past),
        " ".join(f for p in past for f in p.fields),
    )


@dataclass
class MatchIndex:
    """Everything scoring needs, kept in memory between incremental updates."""

    model: TextModel
    settings: MatchSettings
    priors: Priors
    themes: ThemeMatcher
    keys: dict[str, int] = field(default_factory=dict)
    calls: list[CallFacts] = field(default_factory=list)
    call_pos: dict[str, int] = field(default_factory=dict)
    call_vectors: RowStore | None = None
    actors: list[ActorFacts] = field(default_factory=list)
    actor_pos: dict[str, int] = field(default_factory=dict)
    actor_vectors: RowStore | None = None
    arrays: ActorArrays | None = None  # per-actor arrays, rebuilt after an actor changes
    retired: set[int] = field(default_factory=set)  # rows of calls taken out (merged, gone)
    # The live calls prepared for scoring on a day (engine.live_block); None after a change.
    live_block: tuple[date, Any] | None = None

    def key(self, name: str) -> int:
        """The number of a programme-part or topic key, added when new."""
        return self.keys.setdefault(name, len(self.keys))

    def live_calls(self) -> list[int]:
        """Rows of the calls in play: every call but the retired ones."""
        return [i for i in range(len(self.calls)) if i not in self.retired]

    def call_matrix(self) -> Matrix:
        """Text vectors of all calls (calls x vocabulary)."""
        assert self.call_vectors is not None
        return self.call_vectors.matrix()

    def actor_matrix(self) -> Matrix:
        """Text vectors of all actors (actors x vocabulary)."""
        assert self.actor_vectors is not None
        return self.actor_vectors.matrix()

    def actor_arrays(self, rows: npt.NDArray[np.int64]) -> ActorArrays:
        """Facts of the given actors as arrays, for scoring them without Python loops."""
        names = [t.name for t in self.themes.themes]
        if self.arrays is None and len(rows) <= 16:  # one changed actor: skip the full rebuild
            return actor_arrays([self.actors[i] for i in rows.tolist()], names)
        if self.arrays is None:
            self.arrays = actor_arrays(self.actors, names)
        return self.arrays.take(rows)


def call_counts(cache: StemCache, call: CallInput) -> list[Counts]:
    """The terms of a call's head, context and body, then the exact words of all three."""
    fields = call_fields(call)
    return [*(cache.count(text) for text in fields), cache.exact_words("\n".join(fields))]


def vectorize_calls(index: MatchIndex, calls: Sequence[CallInput], exact: bool = True) -> Matrix:
    """Text vectors of calls (see call_vectors); without `exact`, of their stems alone (a call
    marked in feedback is compared with other calls on stems)."""
    counts = [call_counts(index.model.stem_cache, c) for c in calls]
    return call_vectors(index.model, index.settings, counts, exact)


def call_vectors(
    model: TextModel, settings: MatchSettings, counts: Sequence[Sequence[Counts]], exact: bool
) -> Matrix:
    """The stems of head, context and body fields weighted into a unit vector, plus the unit
    vector of the exact words: a profile's cosine is the sum of the two parts'."""
    stems = vectorize_counts(model, counts, settings.call_field_weights, settings.call_field_norm)
    if not exact:
        return stems
    return stems + vectorize_counts(model, [[c[EXACT_FIELD]] for c in counts], [1.0])


def call_facts(
    index: MatchIndex, call: CallInput, tags: Sequence[ThemeTag] | None = None
) -> CallFacts:
    """The facts of one call; its theme tags are found unless given (stored at ingest)."""
    prefix = call_prefix(call)
    keys = (index.key("P:" + prefix) if prefix else -1, _series_key(index, call))
    kind = action_kind(call.type_of_action, call.identifier)
    tags = index.themes.tag(call) if tags is None else tuple(tags)
    single = is_single_applicant(call)
    return CallFacts(call, prefix, keys, kind, tags, call_hash(call), single, grant_range(call))


def actor_facts(
    index: MatchIndex,
    profiles: Sequence[Profile],
    feedback: Mapping[str, Sequence[Feedback]] | None = None,
) -> list[ActorFacts]:
    """The facts of these actors, their feedback included; their texts vectorised together."""
    feedback = feedback or {}
    teaching = [[f for f in feedback.get(p.id, ()) if feedback_sign(f)] for p in profiles]
    past = [p.past_projects for p in profiles]
    past_texts = [" ".join((p.title, " ".join(p.fields))) for projects in past for p in projects]
    past_rows = _split(vectorize(index.model, past_texts), [len(projects) for projects in past])
    marked = vectorize_calls(index, [f.call for marks in teaching for f in marks], exact=False)
    marked_rows = _split(marked, [len(marks) for marks in teaching])
    return [
        ActorFacts(
            profile=profile,
            key_weights=_key_weights(index, profile),
            past_vectors=past_vectors,
            past_prefixes=Counter(identifier_prefix(p.topic_id) for p in profile.past_projects),
            feedback_vectors=feedback_vectors,
            feedback_signs=tuple(feedback_sign(f) for f in marks),
            feedback_series=tuple(_series_key(index, f.call) for f in marks),
            dismissed={
                f.call.id: f.marked_hash()
                for f in feedback.get(profile.id, ())
                if f.kind == "not_relevant"
            },
        )
        for profile, marks, past_vectors, feedback_vectors in zip(
            profiles, teaching, past_rows, marked_rows, strict=True
        )
    ]


def _split(matrix: Matrix, sizes: Sequence[int]) -> list[Matrix]:
    """Consecutive row blocks of these sizes (the empty ones one shared empty matrix)."""
    ends = np.cumsum([0, *sizes]).tolist()
    empty = matrix[:0]
    return [matrix[a:b] if b > a else empty for a, b in zip(ends[:-1], ends[1:], strict=True)]


def _series_key(index: MatchIndex, call: CallInput) -> int:
    """The recurring-topic key of a call, -1 when its identifier names no series."""
    series = topic_series(call.identifier)
    return index.key("S:" + series) if series else -1


def _key_weights(index: MatchIndex, profile: Profile) -> tuple[tuple[int, float], ...]:
    """Per programme part and recurring topic: its credit times sqrt(share of past projects)."""
    past = profile.past_projects
    weights: dict[int, float] = {}
    for tag, credit, names in (
        ("P:", PREFIX_SHARE, Counter(identifier_prefix(p.topic_id) for p in past)),
        ("S:", SERIES_SHARE, Counter(topic_series(p.topic_id) for p in past)),
    ):
        for name, count in names.items():
            if name:
                # sqrt: a second programme part still counts when a first one dominates.
                weights[index.key(tag + name)] = credit * math.sqrt(count / len(past))
    return tuple(sorted(weights.items()))


def build_index(
    calls: Sequence[CallInput],
    profiles: Sequence[Profile],
    *,
    themes: Sequence[Theme] = (),
    settings: MatchSettings | None = None,
    priors: Priors | None = None,
    feedback: Mapping[str, Sequence[Feedback]] | None = None,
    model: TextModel | None = None,
    stem_cache: StemCache | None = None,
    tags: Mapping[str, Sequence[ThemeTag]] | None = None,
) -> MatchIndex:
    """An index of calls and actors; the text model is fitted on the calls unless given.

    A `stem_cache` kept from an earlier build spares reading its words again; `tags` are the
    calls' theme tags by call id, when they were found already (at ingest).
    """
    settings = settings or MatchSettings()
    # Each call text is read once: its counts both fit the model and make its vector.
    stem_cache = model.stem_cache if model else stem_cache or StemCache()
    if model is None:
        stem_cache.forget_unused()  # what the last fit read and no one read since
    counts = [call_counts(stem_cache, c) for c in calls]
    if model is None:
        model = fit_counts(counts, stem_cache)
    index = MatchIndex(model, settings, priors or Priors(), ThemeMatcher(themes, model.stem_cache))
    index.calls = [
        call_facts(index, c, None if tags is None else tags.get(c.id, ())) for c in calls
    ]
    index.call_pos = {c.id: i for i, c in enumerate(calls)}
    index.call_vectors = RowStore(call_vectors(model, settings, counts, exact=True))
    return with_actors(index, profiles, feedback)


def with_actors(
    index: MatchIndex,
    profiles: Sequence[Profile],
    feedback: Mapping[str, Sequence[Feedback]] | None = None,
) -> MatchIndex:
    """An index with these actors that shares this one's calls and text model."""
    out = replace(index, actors=[], actor_pos={}, arrays=None)
    out.actors = actor_facts(out, profiles, feedback)
    out.actor_pos = {p.id: i for i, p in enumerate(profiles)}
    out.actor_vectors = RowStore(vectorize_profiles(out, profiles))
    return out


def vectorize_profiles(index: MatchIndex, profiles: Sequence[Profile]) -> Matrix:
    """Text vectors of profiles: the stems of their fields weighted into a unit vector, plus
    the exact words of the organisation's own description and keywords, weighted."""
    cache, settings = index.model.stem_cache, index.settings
    counts = [[cache.count(text) for text in profile_fields(p)] for p in profiles]
    stems = vectorize_counts(index.model, counts, settings.profile_field_weights)
    own = [
        [cache.exact_words(p.description), cache.exact_words(" ".join(p.keywords))]
        for p in profiles
    ]
    exact = vectorize_counts(index.model, own, (1.0, 1.0), 0.0)  # a unit vector: weighted after
    return stems + settings.exact_word_weight * exact


def upsert_call(index: MatchIndex, call: CallInput, tags: Sequence[ThemeTag] | None = None) -> int:
    """Add or replace one call (with its theme tags when found already); its row number."""
    i = index.call_pos.setdefault(call.id, len(index.calls))
    facts = call_facts(index, call, tags)
    if i == len(index.calls):
        index.calls.append(facts)
    else:
        index.calls[i] = facts
    index.retired.discard(i)
    index.live_block = None
    assert index.call_vectors is not None
    index.call_vectors.set(i, vectorize_calls(index, [call]))
    return i


def retire_call(index: MatchIndex, call_id: str) -> None:
    """Take a call out of play (merged into another, or gone); an upsert brings it back."""
    if call_id in index.call_pos:
        index.retired.add(index.call_pos[call_id])
        index.live_block = None


def upsert_actor(index: MatchIndex, profile: Profile, feedback: Sequence[Feedback] = ()) -> int:
    """Add or replace one actor (profile and feedback); its row number."""
    i = index.actor_pos.setdefault(profile.id, len(index.actors))
    (facts,) = actor_facts(index, [profile], {profile.id: feedback})
    if i == len(index.actors):
        index.actors.append(facts)
    else:
        index.actors[i] = facts
    index.arrays = None
    assert index.actor_vectors is not None
    index.actor_vectors.set(i, vectorize_profiles(index, [profile]))
    return i
