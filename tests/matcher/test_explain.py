"""Explanations: what a match rests on, told in English or Finnish on the day it is read."""

import dataclasses
import json
from datetime import timedelta

import pytest

from matcher.engine import score_all, score_pair
from matcher.explain import Evidence, money
from matcher.index import build_index
from matcher.profile import Profile
from matcher.settings import Priors
from tests.matcher.conftest import (
    BENCH,
    TODAY,
    biogas_company,
    municipality,
    research_institute,
    told,
)

FOOD = "HORIZON-CL6-2027-02-FARM2FORK-05"
POSTDOC = "HORIZON-MSCA-2026-PF-01-01"
CIRCULAR = "HORIZON-CL6-2027-01-CIRCBIO-09"


@pytest.fixture(scope="module")
def index(feed, themes):
    actors = [biogas_company(), research_institute(), municipality()]
    return build_index(
        list(feed.values()), actors, themes=themes, priors=Priors({("public", "CSA"): 1.8})
    )


def test_explanation_names_words_theme_projects_budget_and_time(index):
    match = score_pair(index, "jokioinen-research", FOOD, TODAY)
    en, fi = told(match, "en"), told(match, "fi")
    assert {"crop", "farming"} <= set(match.evidence.words)
    assert "Shared words: crop" in en
    assert "Your Smart Häme theme A pioneering region in a sustainable food system: food, " in en
    assert "Similar past projects: PROTEINCROPS (HORIZON-CL6-2021-FARM2FORK-1-2)" in en
    assert "3 earlier projects of yours in HORIZON-CL6." in en
    assert "Grant size EUR 6 million." in en
    assert "397 days left (deadline 23 September 2027)." in en
    assert "Yhteiset sanat: crop" in fi
    assert "Älykäs Häme -teemanne Kestävän ruokajärjestelmän edelläkävijämaakunta: food, " in fi
    assert "Samankaltaiset aiemmat hankkeet: PROTEINCROPS (HORIZON-CL6-2021-FARM2FORK-1-2)" in fi
    assert "Teillä on 3 aiempaa hanketta ohjelmassa HORIZON-CL6." in fi
    assert "Avustuksen koko 6 milj. euroa." in fi
    assert "Aikaa 397 päivää (määräaika 23. syyskuuta 2027)." in fi


def test_every_component_that_counts_is_named_with_its_share(index):
    match = score_pair(index, "jokioinen-research", FOOD, TODAY)
    points = dict(match.evidence.points)
    assert set(points) == set(match.components)
    assert sum(points.values()) == pytest.approx(match.score, abs=0.3)  # the shares add up
    share = {k: round(v) for k, v in points.items()}
    assert told(match, "en").startswith(
        f"Score: Text {share['text']}\u00a0%, themes {share['theme']}\u00a0%, "
        f"past projects {share['past']}\u00a0%, time {share['time']}\u00a0%."
    )
    assert told(match, "fi").startswith(f"Pisteet: Teksti {share['text']}\u00a0%, teemat ")


def test_budget_role_interest_and_org_fit_sentences(index):
    match = score_pair(index, "forssa-biokaasu", CIRCULAR, TODAY)
    assert "Grant size EUR 6 million is above your budget." in told(match, "en")
    assert "Avustuksen koko 6 milj. euroa ylittää budjettinne." in told(match, "fi")
    assert "In your programmes of interest." in told(match, "en")
    single = score_pair(index, "forssa-biokaasu", POSTDOC, TODAY)
    assert "Single-applicant call, though you prefer a partner role." in told(single, "en")
    assert "Yksin haettava, vaikka toivotte kumppanin roolia." in told(single, "fi")
    public = score_pair(index, "hameenlinna", "HORIZON-CL5-2026-10-D6-07", TODAY)
    assert "Organisations like yours join CSA actions often (1.8x)." in told(public, "en")
    assert "usein (1,8-kertaisesti)." in told(public, "fi")


def test_a_theme_the_actor_did_not_choose_is_never_a_reason(index):
    # The call serves the circular economy; the city chose smart services and design only.
    assert index.calls[index.call_pos[CIRCULAR]].tags[0].theme == "circular_economy"
    match = score_pair(index, "hameenlinna", CIRCULAR, TODAY)
    assert match.evidence.themes == ()
    assert "Natural resources" not in told(match, "en")
    assert "teema" not in told(match, "fi").lower()


def test_each_theme_names_its_own_terms(index, themes):
    by_key = {t.name: t for t in themes}
    for match in score_all(index, TODAY):
        for reason in match.evidence.themes:
            theme = by_key[reason.name]
            assert reason.terms
            assert set(reason.terms) <= {*theme.keywords_fi, *theme.keywords_en}


def test_days_left_are_counted_on_the_day_the_stored_evidence_is_read(index):
    match = score_pair(index, "jokioinen-research", FOOD, TODAY)
    stored = Evidence.from_json(json.loads(json.dumps(match.evidence.to_json())))
    assert stored == match.evidence
    read = dataclasses.replace(match, evidence=stored)
    assert "397 days left" in told(read, "en", TODAY)
    assert "297 days left" in told(read, "en", TODAY + timedelta(days=100))
    assert "Aikaa 1 päivä (määräaika 23. syyskuuta 2027)." in told(
        read, "fi", stored.deadline - timedelta(days=1)
    )
    assert "The deadline 23 September 2027 has passed." in told(
        read, "en", stored.deadline + timedelta(days=1)
    )


def test_without_a_day_there_is_no_deadline_and_no_time_share(index):
    match = score_pair(index, "jokioinen-research", FOOD, today=None)
    assert match.evidence.deadline is None
    assert "days left" not in told(match, "en")
    assert "Aikaa" not in told(match, "fi")
    assert "time" not in match.components


def test_a_finnish_profile_is_answered_in_its_own_words(index):
    match = score_pair(index, "forssa-biokaasu", CIRCULAR, TODAY)
    profile = biogas_company()
    own = " ".join((profile.description, *profile.keywords)).lower()
    assert match.evidence.words
    assert {"biokaasu", "kiertotalous"} <= set(match.evidence.words)
    assert all(word[:5] in own for word in match.evidence.words)  # base forms of its words


def test_boilerplate_shared_by_most_profiles_or_calls_is_never_a_shared_word(feed, themes):
    """With the benchmark's 172 real self-descriptions as the region's other profiles."""
    cases = json.loads((BENCH / "coldstart_dev.json").read_text(encoding="utf-8"))
    others = [
        Profile(
            id=c["case_id"], name=c["org_name"], org_type="research", description=c["description"]
        )
        for c in cases
    ]
    seeker = dataclasses.replace(
        biogas_company(),
        description=biogas_company().description
        + " Etsimme rahoitusta kehityshankkeisiin ja haemme kumppaneita.",
    )
    index = build_index(list(feed.values()), [seeker, *others], themes=themes)
    matches = [m for m in score_all(index, TODAY) if m.actor_id == seeker.id]
    words = {w for m in matches for w in m.evidence.words}
    assert {"biokaasu", "kiertotalous"} <= words
    assert not words & {"etsiä", "rahoitus", "hanke", "kehityshanke", "hakea", "seek", "project"}


def test_money_in_both_languages():
    assert money(500_000, 2_000_000, "en") == "EUR 0.5-2 million"
    assert money(7_500_000, 7_500_000, "fi") == "7,5 milj. euroa"
    assert money(60_000, 60_000, "fi") == "0,06 milj. euroa"


def test_every_kept_match_is_explained_in_both_languages(index):
    matches = score_all(index, TODAY)
    assert matches
    for match in matches:
        assert told(match, "en") and told(match, "fi")
        assert match.score >= index.settings.min_score
        assert dataclasses.asdict(match)["components"]["text"] >= 0
