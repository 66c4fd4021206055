"""Matching settings from config, and priors learned from earlier participations."""

import tomllib

import pytest

from matcher.settings import MatchSettings, learn_priors, lift_component


def test_settings_from_a_config_table():
    table = tomllib.loads(
        """
        [matching]
        min_days_to_prepare = 21
        max_matches_per_actor = 50
        feedback_cosines = [0.25, 0.65]
        [matching.weights]
        theme = 0.5
        [[matching.themes]]
        name = "design"
        label_fi = "Muotoilu"
        label_en = "Design"
        """
    )["matching"]
    settings = MatchSettings.from_mapping(table)
    assert settings.min_days_to_prepare == 21
    assert settings.feedback_cosines == (0.25, 0.65)
    assert settings.weights.theme == 0.5
    assert settings.weights.text == 1.0  # defaults stay
    with pytest.raises(TypeError):
        MatchSettings.from_mapping({"min_days": 3})


def test_learned_lifts_rise_for_common_pairs_and_fall_for_missing_ones():
    rows = [("public", ("CSA", "HORIZON-CL6"))] * 30 + [("research", ("RIA", "HORIZON-CL6"))] * 70
    priors = learn_priors(rows)
    assert priors.lift("public", "CSA") > 2
    assert priors.lift("research", "CSA") < 0.1  # never seen together
    assert priors.lift("research", "HORIZON-CL6") == pytest.approx(1.0, abs=0.02)
    assert priors.lift("ngo", "CSA") is None


def test_lift_component_scale():
    assert lift_component(1.0) == 0.5
    assert lift_component(4.0) == 1.0
    assert lift_component(0.25) == 0.0
    assert lift_component(10.0) == 1.0
