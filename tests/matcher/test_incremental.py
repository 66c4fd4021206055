"""Incremental scoring gives what a full re-score gives for the pairs it touches."""

import dataclasses

import numpy as np
import pytest

from matcher.engine import rank_calls, score_all, score_call, score_matrix, score_profile
from matcher.index import build_index
from matcher.settings import MatchSettings
from tests.matcher.conftest import TODAY, biogas_company, municipality, research_institute

NEW = "HORIZON-CL6-2027-02-FARM2FORK-05"
UNCAPPED = MatchSettings(max_matches_per_actor=100_000)


def by_pair(matches):
    return {(m.actor_id, m.call_id): (m.score, m.components, m.evidence) for m in matches}


@pytest.fixture
def index(feed, themes):
    calls = [c for k, c in feed.items() if k != NEW]
    actors = [biogas_company(), research_institute(), municipality()]
    return build_index(calls, actors, themes=themes, settings=UNCAPPED)


def test_a_new_call_scores_as_in_a_full_rescore(index, feed):
    new = by_pair(score_call(index, feed[NEW], TODAY))
    assert {actor for actor, _ in new} == {"forssa-biokaasu", "jokioinen-research"}
    full = by_pair(score_all(index, TODAY))
    assert new == {pair: full[pair] for pair in full if pair[1] == NEW}


def test_a_changed_call_replaces_the_old_one(index, feed):
    old = feed["HORIZON-CL6-2027-02-FARM2FORK-01"]
    n = len(index.calls)
    before = {m.actor_id: m for m in score_call(index, old, TODAY)}
    renamed = dataclasses.replace(old, title="Quantum sensing", description="Quantum gravimetry.")
    after = {m.actor_id: m for m in score_call(index, renamed, TODAY)}
    assert len(index.calls) == n
    # Only the call's programme and call title (food, bioeconomy, rural areas) still speak for
    # the research institute: the old text's words and its food-system theme are gone.
    was, now = before["jokioinen-research"], after.get("jokioinen-research")
    assert "soil" in was.evidence.words and was.evidence.themes
    assert now is None or (now.score < was.score - 10 and "soil" not in now.evidence.words)
    assert now is None or not now.evidence.themes
    full = by_pair(score_all(index, TODAY))  # the full re-score sees the new text too
    assert {a: v[0] for (a, c), v in full.items() if c == old.id} == {
        a: m.score for a, m in after.items()
    }


def test_a_changed_profile_scores_as_in_a_full_rescore(index):
    profile = dataclasses.replace(
        municipality(), themes=("food_system",), keywords=("school meals", "local food")
    )
    mine = by_pair(score_profile(index, profile, TODAY))
    full = by_pair(score_all(index, TODAY))
    assert mine == {pair: full[pair] for pair in full if pair[0] == "hameenlinna"}
    assert any(r.name == "food_system" for m in mine.values() for r in m[2].themes)


def test_a_new_actor_joins_the_index(index):
    newcomer = dataclasses.replace(research_institute(), id="newcomer")
    matches = score_profile(index, newcomer, TODAY)
    assert matches and {m.actor_id for m in matches} == {"newcomer"}
    full = by_pair(score_all(index, TODAY))
    assert by_pair(matches) == {pair: v for pair, v in full.items() if pair[0] == "newcomer"}


def test_full_rescore_keeps_each_actors_best_matches_above_the_threshold(feed, themes):
    settings = MatchSettings(max_matches_per_actor=5, min_score=30)
    actors = [biogas_company(), research_institute(), municipality()]
    index = build_index(list(feed.values()), actors, themes=themes, settings=settings)
    matches = score_all(index, TODAY)
    scores, allowed = score_matrix(index, TODAY)
    for row, actor in enumerate(actors):
        kept = sorted((m.score for m in matches if m.actor_id == actor.id), reverse=True)
        best = np.sort(np.where(allowed[row], scores[row], -1))[::-1][:5]
        assert len(kept) == 5
        assert kept == pytest.approx(best[best >= 30].round(1).tolist())


def test_rank_calls_orders_every_allowed_call(index, feed):
    ranked = rank_calls(index, "jokioinen-research", TODAY)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    ties = [(a, b) for a, b in zip(ranked, ranked[1:], strict=False) if a[1] == b[1]]
    assert ties and all(a[0] < b[0] for a, b in ties)  # equal scores in identifier order
    everything = rank_calls(index, "jokioinen-research", today=None)
    assert len(everything) == len(index.calls) > len(ranked)
