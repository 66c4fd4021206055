"""Hard filters and each score component, on real calls of 2026-08-22 and Häme actors."""

import dataclasses
import math
from datetime import date, timedelta

import pytest

from matcher.calls import CallInput
from matcher.engine import score_matrix, score_pair, score_profile
from matcher.index import MatchIndex, build_index
from matcher.profile import Profile
from matcher.settings import MatchSettings, Priors
from tests.matcher.conftest import TODAY, biogas_company, municipality, research_institute

FOOD = "HORIZON-CL6-2027-02-FARM2FORK-05"  # farmers' profitability, CL6, IA, EUR 6 million
PV = "HORIZON-CL5-2026-11-D3-14"  # PV system design, open until 2026-12-01
CIRCULAR = "HORIZON-CL6-2027-01-CIRCBIO-09"  # circularity of the bio-based sector
DOCTORAL = "HORIZON-MSCA-2027-DN-01-01"
POSTDOC = "HORIZON-MSCA-2026-PF-01-01"  # single applicant
LIFE_CIRCULAR = "LIFE-2026-SAP-ENV-ENVIRONMENT"
MOBILITY = "HORIZON-CL5-2026-10-D6-07"  # smart urban mobility, deadline 2026-10-08


class Scores:
    """Scores, filters and components of every actor x call pair, looked up by ids."""

    def __init__(self, index: MatchIndex, today: date | None = TODAY) -> None:
        self.index = index
        self.score, self.allowed = score_matrix(index, today)
        self.today = today

    def __call__(self, actor: str, call: str) -> float:
        return float(self.score[self.index.actor_pos[actor], self.index.call_pos[call]])

    def ok(self, actor: str, call: str) -> bool:
        return bool(self.allowed[self.index.actor_pos[actor], self.index.call_pos[call]])

    def part(self, actor: str, call: str, name: str) -> float:
        """One component of a pair; NaN when it does not apply."""
        match = score_pair(self.index, actor, call, self.today)
        assert match.score == pytest.approx(self(actor, call), abs=0.051)
        return match.components.get(name, math.nan)


def make_index(calls, actors=None, **kw) -> MatchIndex:
    return build_index(
        list(calls), actors or [biogas_company(), research_institute(), municipality()], **kw
    )


@pytest.fixture(scope="module")
def scores(feed, themes):
    return Scores(make_index(feed.values(), themes=themes))


# --- hard filters -----------------------------------------------------------------------


def test_open_and_forthcoming_calls_pass_closed_ones_do_not(feed):
    closed = dataclasses.replace(feed[PV], id="closed", deadlines=(date(2026, 8, 1),))
    forthcoming = feed[FOOD]  # opens 2027-04-20
    continuous = dataclasses.replace(feed[PV], id="continuous", deadlines=())
    s = Scores(make_index([closed, forthcoming, continuous, feed[PV]]))
    assert [s.ok("jokioinen-research", c) for c in ("closed", FOOD, "continuous", PV)] == [
        False,
        True,
        True,
        True,
    ]


def test_deadline_must_leave_time_to_prepare(feed):
    def due_in(days):
        return dataclasses.replace(
            feed[PV], id=f"due-{days}", deadlines=(TODAY + timedelta(days=days),)
        )

    calls = [due_in(13), due_in(14), due_in(30)]
    s = Scores(make_index(calls))
    assert [s.ok("hameenlinna", c.id) for c in calls] == [False, True, True]
    strict = Scores(make_index(calls, settings=MatchSettings(min_days_to_prepare=30)))
    assert [strict.ok("hameenlinna", c.id) for c in calls] == [False, False, True]
    assert Scores(make_index(calls), today=None).allowed.all()  # no day: no date filter


def test_eligibility_by_country_region_and_organisation_type(feed):
    base = feed[MOBILITY]
    calls = [
        dataclasses.replace(base, id="fi-only", countries=("FI",)),
        dataclasses.replace(base, id="se-only", countries=("SE",)),
        dataclasses.replace(base, id="hame", regions=("FI1C",)),
        dataclasses.replace(base, id="uusimaa", regions=("FI1B1",)),
        dataclasses.replace(base, id="smes", organisation_types=("sme",)),
        dataclasses.replace(base, id="public", organisation_types=("public", "ngo")),
    ]
    s = Scores(make_index(calls))
    allowed = {c.id for c in calls if s.ok("forssa-biokaasu", c.id)}
    assert allowed == {"fi-only", "hame", "smes"}
    assert {c.id for c in calls if s.ok("hameenlinna", c.id)} == {"fi-only", "hame", "public"}


# --- components -----------------------------------------------------------------------------


def test_text_relevance_prefers_the_actors_own_field(scores):
    assert scores.part("jokioinen-research", FOOD, "text") > 0.5
    # PV system design shares only general words with food research ("land", "production").
    assert scores.part("jokioinen-research", PV, "text") < 0.25
    assert scores.part("hameenlinna", MOBILITY, "text") == 1.0  # capped at text_scale
    assert scores("jokioinen-research", FOOD) > scores("jokioinen-research", PV) + 20


def test_theme_overlap_counts_only_for_actors_with_themes(scores, feed):
    assert scores.part("forssa-biokaasu", CIRCULAR, "theme") == 1.0
    assert scores.part("forssa-biokaasu", PV, "theme") == 0.0
    plain = Profile(id="plain", name="No themes", org_type="small", description="biogas")
    s = Scores(make_index([feed[CIRCULAR]], [plain]))
    assert math.isnan(s.part("plain", CIRCULAR, "theme"))


def test_past_participation_in_programme_part_and_recurring_topic(scores):
    # 3 of 4 past projects in HORIZON-CL6: 0.75 * sqrt(3/4)
    assert scores.part("jokioinen-research", FOOD, "past") == pytest.approx(
        0.75 * 0.75**0.5, abs=1e-3
    )
    # MSCA-DN recurs every year: programme part and topic both count (1 of 4 projects)
    assert scores.part("jokioinen-research", DOCTORAL, "past") == 0.5
    assert scores.part("jokioinen-research", PV, "past") == 0.0
    assert math.isnan(scores.part("hameenlinna", PV, "past"))  # no past projects


def test_programmes_of_interest(scores):
    assert scores.part("forssa-biokaasu", LIFE_CIRCULAR, "interest") == 1.0
    assert scores.part("forssa-biokaasu", CIRCULAR, "interest") == 1.0  # HORIZON-CL6
    assert scores.part("forssa-biokaasu", PV, "interest") == 0.0


def test_an_actor_with_programmes_of_interest_and_no_open_call_gets_no_match(feed):
    # Every call closed on the day: the profile save re-scores against none, without error.
    index = build_index([feed[LIFE_CIRCULAR]], [biogas_company()])
    assert score_profile(index, biogas_company(), date(2031, 1, 1)) == []


def test_organisation_type_fit_from_priors(feed):
    priors = Priors({("sme", "IA"): 2.0, ("sme", "RIA"): 0.5})
    s = Scores(make_index([feed[FOOD], feed["HORIZON-CL6-2027-02-CLIMATE-03"]], priors=priors))
    assert s.part("forssa-biokaasu", FOOD, "org_fit") == pytest.approx(0.75)  # IA, lift 2
    assert s.part("forssa-biokaasu", "HORIZON-CL6-2027-02-CLIMATE-03", "org_fit") == 0.25  # RIA
    assert math.isnan(s.part("jokioinen-research", FOOD, "org_fit"))  # no lift known


def test_budget_fit_and_cofinancing(feed):
    base = feed[PV]

    def grant(low, high, rate=None):
        return dataclasses.replace(
            base, id=f"{low}-{rate}", budget_min_eur=low, budget_max_eur=high, funding_rate=rate
        )

    calls = [grant(500_000, 1_000_000), grant(6_000_000, 6_000_000), grant(20_000, 60_000)]
    calls.append(grant(1_000_000, 1_000_000, rate=70.0))
    s = Scores(make_index(calls))
    fit = [s.part("forssa-biokaasu", c.id, "budget") for c in calls]  # range 0.2-2 million
    assert fit[0] == 1.0
    assert fit[1] == pytest.approx(1 - math.log10(3), abs=1e-3)
    assert fit[2] == pytest.approx(1 - math.log10(200_000 / 60_000), abs=1e-3)
    # 70 % funding of a 1 million grant leaves 428,571 to co-finance; the actor has 300,000
    assert fit[3] == pytest.approx(0.7, abs=1e-3)
    assert math.isnan(s.part("jokioinen-research", calls[0].id, "budget"))


def test_role_fit_for_single_applicant_calls(scores):
    assert scores.part("forssa-biokaasu", POSTDOC, "role") == pytest.approx(0.2)  # partner
    assert scores.part("forssa-biokaasu", FOOD, "role") == 1.0
    assert scores.part("hameenlinna", POSTDOC, "role") == 1.0  # coordinator
    assert math.isnan(scores.part("jokioinen-research", POSTDOC, "role"))  # either


def test_time_left(scores):
    assert scores.part("hameenlinna", MOBILITY, "time") == pytest.approx(47 / 60, abs=1e-3)
    assert scores.part("hameenlinna", FOOD, "time") == 1.0  # over a year away
    no_day = Scores(scores.index, today=None)
    assert math.isnan(no_day.part("hameenlinna", MOBILITY, "time"))


def test_score_is_the_weighted_mean_of_the_components_that_apply(scores):
    weights = scores.index.settings.weights
    names = ("text", "theme", "past", "time")  # what applies to the research institute
    assert set(score_pair(scores.index, "jokioinen-research", FOOD, TODAY).components) == set(names)
    parts = {n: scores.part("jokioinen-research", FOOD, n) for n in names}
    expected = 100 * sum(weights.get(n) * v for n, v in parts.items())
    expected /= sum(weights.get(n) for n in names)
    assert scores("jokioinen-research", FOOD) == pytest.approx(expected, abs=0.1)  # rounded parts


def test_empty_index_scores_nothing():
    index = build_index([], [])
    score, allowed = score_matrix(index, TODAY)
    assert score.shape == allowed.shape == (0, 0)
    call = CallInput(id="c", identifier="LIFE-2026-X", title="Circular economy")
    assert build_index([call], []).calls[0].prefix == "LIFE"


def test_finnish_and_mixed_language_profiles_find_their_words(feed, themes):
    finnish_call = CallInput(
        id="eakr-kh-1",
        identifier="EAKR-KH-2026-1",
        title="Kiertotalouden investoinnit Kanta-Hämeessä",
        description=(
            "Haku on tarkoitettu hankkeille, jotka hyödyntävät elintarviketeollisuuden "
            "sivuvirtoja, tuottavat biokaasua ja edistävät ravinteiden kierrätystä."
        ),
        deadlines=(date(2026, 10, 30),),
    )
    index = make_index([finnish_call, feed[PV], feed[CIRCULAR]], themes=themes)
    finnish = score_pair(index, "forssa-biokaasu", "eakr-kh-1", TODAY)
    assert finnish.components["text"] > 0.5
    assert {"biokaasu", "kiertotalous"} <= set(finnish.evidence.words)  # as base forms
    # The keywords mix Finnish and English: "nutrient recycling" still meets English calls.
    english = score_pair(index, "forssa-biokaasu", CIRCULAR, TODAY)
    # Told in the profile's own words: its keyword, or the Finnish word whose sense it is.
    assert {"recycling", "kierrätyslannoite"} & set(english.evidence.words)
    unrelated = score_pair(index, "forssa-biokaasu", PV, TODAY).components["text"]
    assert unrelated < 0.1 < english.components["text"]
