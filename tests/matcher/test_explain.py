"""Explanations in English and Finnish, built from the components of a match."""

import dataclasses

import pytest

from matcher.engine import score_pair
from matcher.explain import money
from matcher.index import build_index
from matcher.settings import Priors
from tests.matcher.conftest import TODAY, biogas_company, municipality, research_institute

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
    en, fi = match.explanation_en, match.explanation_fi
    assert en.startswith("Shared words: ")
    assert {"crop", "farming"} <= set(match.evidence.words)
    assert "Your Smart Häme theme: A pioneering region in a sustainable food system (" in en
    assert "Similar past projects: PROTEINCROPS (HORIZON-CL6-2021-FARM2FORK-1-2)" in en
    assert "3 earlier projects of yours in HORIZON-CL6." in en
    assert "Grant size EUR 6 million." in en
    assert "397 days left (deadline 2027-09-23)." in en
    assert fi.startswith("Yhteiset sanat: ")
    assert "Älykäs Häme -teemanne: Kestävän ruokajärjestelmän edelläkävijämaakunta (" in fi
    assert "Samankaltaiset aiemmat hankkeet: PROTEINCROPS (HORIZON-CL6-2021-FARM2FORK-1-2)" in fi
    assert "Teillä on 3 aiempaa hanketta ohjelmassa HORIZON-CL6." in fi
    assert "Avustuksen koko 6 milj. euroa." in fi
    assert "Aikaa 397 päivää (määräaika 23.9.2027)." in fi


def test_budget_role_interest_and_org_fit_sentences(index):
    match = score_pair(index, "forssa-biokaasu", CIRCULAR, TODAY)
    assert "Grant size EUR 6 million is above your budget." in match.explanation_en
    assert "Avustuksen koko 6 milj. euroa ylittää budjettinne." in match.explanation_fi
    assert "In your programmes of interest." in match.explanation_en
    single = score_pair(index, "forssa-biokaasu", POSTDOC, TODAY)
    assert "Single-applicant call, though you prefer a partner role." in single.explanation_en
    assert "Yksin haettava, vaikka toivotte kumppanin roolia." in single.explanation_fi
    public = score_pair(index, "hameenlinna", "HORIZON-CL5-2026-10-D6-07", TODAY)
    assert "Organisations like yours join CSA actions often (1.8x)." in public.explanation_en
    assert "usein (1,8-kertaisesti)." in public.explanation_fi


def test_theme_of_the_call_is_told_when_the_actor_chose_none(index, feed):
    match = score_pair(index, "hameenlinna", CIRCULAR, TODAY)
    assert match.explanation_en.count("Serves the Smart Häme theme Natural resources") == 1
    assert "Palvelee Älykäs Häme -teemaa Luonnonvarat" in match.explanation_fi


def test_without_a_day_there_is_no_time_sentence(index):
    match = score_pair(index, "jokioinen-research", FOOD, today=None)
    assert "days left" not in match.explanation_en
    assert "Aikaa" not in match.explanation_fi
    assert "time" not in match.components


def test_money_in_both_languages():
    assert money(500_000, 2_000_000, "en") == "EUR 0.5-2 million"
    assert money(7_500_000, 7_500_000, "fi") == "7,5 milj. euroa"
    assert money(60_000, 60_000, "fi") == "0,06 milj. euroa"


def test_every_kept_match_is_explained_in_both_languages(index):
    from matcher.engine import score_all

    matches = score_all(index, TODAY)
    assert matches
    for match in matches:
        assert match.explanation_en and match.explanation_fi
        assert match.score >= index.settings.min_score
        assert dataclasses.asdict(match)["components"]["text"] >= 0
