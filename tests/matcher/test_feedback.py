"""Feedback: later scores learn from marks, and a dismissed call stays away until it changes."""

import dataclasses

import pytest

from matcher.engine import score_all, score_call, score_pair, score_profile
from matcher.feedback import Feedback
from matcher.index import build_index
from tests.matcher.conftest import TODAY, research_institute, told

MARKED = "HORIZON-CL6-2027-02-FARM2FORK-01"  # resilience of agriculture in water and nutrients
SIMILAR = "HORIZON-CL6-2027-02-FARM2FORK-02-two-stage"  # water-nutrient-energy nexus
UNRELATED = "HORIZON-CL5-2026-11-D3-14"  # PV system design


@pytest.fixture
def index(feed):
    return build_index(list(feed.values()), [research_institute()])


def scores(index, *calls):
    return [score_pair(index, "jokioinen-research", c, TODAY).score for c in calls]


def mark(index, feed, kind, reason="topic", call=MARKED):
    feedback = [Feedback(feed[call], kind, reason=reason)]
    return score_profile(index, research_institute(), TODAY, feedback)


@pytest.mark.parametrize("kind", ["relevant", "applied"])
def test_similar_calls_rise_after_a_positive_mark(index, feed, kind):
    similar, unrelated = scores(index, SIMILAR, UNRELATED)
    mark(index, feed, kind)
    similar_after, unrelated_after = scores(index, SIMILAR, UNRELATED)
    assert similar_after - similar > 10
    assert unrelated_after == unrelated
    match = score_pair(index, "jokioinen-research", SIMILAR, TODAY)
    assert match.components["feedback"] > 0.5
    assert "Like calls you marked relevant." in told(match, "en")
    assert dict(match.evidence.points)["feedback"] > 0


def test_similar_calls_fall_after_not_relevant_for_its_topic(index, feed):
    (similar,) = scores(index, SIMILAR)
    matches = mark(index, feed, "not_relevant")
    (similar_after,) = scores(index, SIMILAR)
    assert similar - similar_after > 10
    assert MARKED not in {m.call_id for m in matches}
    match = score_pair(index, "jokioinen-research", SIMILAR, TODAY)
    assert "Muistuttaa hakuja, jotka merkitsitte epäkiinnostaviksi." in told(match, "fi")
    # The share of the score it loses is named with its sign, in both languages.
    lost = round(dict(match.evidence.points)["feedback"])
    assert lost < 0
    assert f"feedback \u2212{-lost}\u00a0%" in told(match, "en")
    assert f"palaute \u2212{-lost}\u00a0%" in told(match, "fi")


def test_a_budget_reason_dismisses_the_call_but_teaches_nothing(index, feed):
    before = scores(index, SIMILAR, MARKED)
    matches = mark(index, feed, "not_relevant", reason="budget")
    assert scores(index, SIMILAR, MARKED) == before
    assert MARKED not in {m.call_id for m in matches}


def test_dismissed_call_stays_away_until_its_content_changes(index, feed):
    best = "HORIZON-CL6-2027-02-FARM2FORK-05"  # the institute's best match
    assert best in {m.call_id for m in score_all(index, TODAY)}
    mark(index, feed, "not_relevant", reason="timing", call=best)
    assert best not in {m.call_id for m in score_all(index, TODAY)}
    assert score_call(index, feed[best], TODAY) == []  # the same content again
    changed = dataclasses.replace(feed[best], deadlines=(TODAY.replace(year=2027, month=10),))
    back = score_call(index, changed, TODAY)
    assert [m.call_id for m in back] == [best]
    assert best in {m.call_id for m in score_all(index, TODAY)}


def test_a_dismissal_reaches_the_next_edition_of_the_topic_even_in_other_words(index, feed):
    """The same topic series in a later work programme, its text rewritten, is pushed down."""
    unrelated = feed[UNRELATED]
    edition = dataclasses.replace(
        unrelated, id="next-edition", identifier="HORIZON-CL6-2028-02-FARM2FORK-01"
    )
    score_call(index, edition, TODAY)
    (before,) = scores(index, "next-edition")
    mark(index, feed, "not_relevant")
    match = score_pair(index, "jokioinen-research", "next-edition", TODAY)
    assert match.components["feedback"] == -1.0
    assert before - match.score > 10
