"""Profile validation: a Profile from form data, or errors named per field in en and fi."""

from matcher.profile import IndustryCode, PastProject
from matcher.validation import validate_profile

THEMES = ("circular_economy", "food_system", "smart_services", "design")


def form(**changes):
    """A filled-in profile form of a Forssa company, as a web form posts it."""
    data = {
        "name": "Forssan Biokierto Oy",
        "business_id": "0737546-2",
        "pic": "",
        "org_type": "small",
        "municipality": "forssa",
        "industry_codes": [{"code": "38.21", "version": "TOL2008"}, "35210"],
        "themes": ["circular_economy"],
        "keywords": "biokaasu, ravinteiden kierrätys, biogas",
        "description": "Jalostamme elintarviketeollisuuden sivuvirroista biokaasua.",
        "programmes": "LIFE\nHORIZON-CL6",
        "preferred_role": "partner",
        "budget_min_eur": "200 000",
        "budget_max_eur": "2000000",
        "cofinancing_eur": 300000,
        "contacts": [
            {"name": "Maija Mäkinen", "email": "maija@example.fi", "phone": "+358 40 123"}
        ],
        "past_projects": [
            {"topic_id": "horizon-cl6-2021-circbio-1-8", "acronym": "RURALBIO", "year": "2021"}
        ],
    }
    data.update(changes)
    return data


def test_valid_form_becomes_a_profile():
    profile, errors = validate_profile(form(), THEMES)
    assert errors == {}
    assert profile is not None
    assert profile.municipality == "Forssa"
    assert profile.nuts3 == "FI1C2"  # every Kanta-Häme municipality is FI1C2
    assert profile.country == "FI"
    assert profile.industry_codes == (IndustryCode("3821", "TOL2008"), IndustryCode("35210"))
    assert profile.keywords == ("biokaasu", "ravinteiden kierrätys", "biogas")
    assert profile.programmes == ("LIFE", "HORIZON-CL6")
    assert profile.budget_min_eur == 200_000
    assert profile.past_projects == (
        PastProject(topic_id="HORIZON-CL6-2021-CIRCBIO-1-8", acronym="RURALBIO", year=2021),
    )
    assert profile.pic is None


def test_errors_are_named_per_field_in_english_and_finnish():
    profile, errors = validate_profile(
        form(
            name="",
            business_id="0737546-3",
            pic="12345",
            org_type="company",
            preferred_role="leader",
            budget_min_eur="lots",
        ),
        THEMES,
    )
    assert profile is None
    assert set(errors) == {
        "name",
        "business_id",
        "pic",
        "org_type",
        "preferred_role",
        "budget_min_eur",
    }
    assert errors["name"] == ("This field is required.", "Tämä kenttä on pakollinen.")
    assert errors["business_id"] == (
        "The check digit of this Y-tunnus is wrong.",
        "Y-tunnuksen tarkiste on väärä.",
    )
    assert "micro, small, medium" in errors["org_type"][0]
    assert errors["org_type"][1].startswith("Valitse jokin näistä")


def test_ytunnus_errors_tell_format_from_remainder_one():
    _, errors = validate_profile(form(business_id="737546-2"))
    assert errors["business_id"][0] == "Y-tunnus must look like 1234567-8."
    _, errors = validate_profile(form(business_id="1234568-0"))
    assert "no check digit fits" in errors["business_id"][0]


def test_foreign_actor_needs_no_ytunnus_but_a_valid_nuts_code():
    profile, errors = validate_profile(
        form(business_id="", country="se", municipality="other", nuts3="SE110")
    )
    assert errors == {}
    assert profile is not None and profile.country == "SE" and profile.nuts3 == "SE110"
    _, errors = validate_profile(form(business_id=""))
    assert errors["business_id"][1] == "Tämä kenttä on pakollinen."
    _, errors = validate_profile(form(municipality="other", nuts3="Tampere"))
    assert set(errors) == {"nuts3"}


def test_kanta_hame_municipality_with_another_nuts_code():
    _, errors = validate_profile(form(municipality="Riihimäki", nuts3="FI1B1"))
    assert errors["nuts3"][1] == "Kanta-Hämeen kuntien NUTS-3-koodi on FI1C2."


def test_unknown_municipality_theme_and_industry_code():
    _, errors = validate_profile(
        form(municipality="Tampere", themes=["tourism"], industry_codes=["6201X"]), THEMES
    )
    assert set(errors) == {"municipality", "themes", "industry_codes.0"}
    assert "tourism" in errors["themes"][0]


def test_budget_range_must_be_in_order():
    _, errors = validate_profile(form(budget_min_eur=3_000_000, budget_max_eur=1_000_000))
    assert errors == {
        "budget_max_eur": (
            "The lower limit is above the upper limit.",
            "Alaraja on suurempi kuin yläraja.",
        )
    }


def test_nested_errors_name_the_item():
    _, errors = validate_profile(
        form(
            contacts=[{"name": "Maija"}, {"name": "", "email": "maija(at)example.fi"}],
            past_projects=[
                {"acronym": "NOTOPIC", "role": "leader", "year": 1970},
                {"topic_id": "ERC-2022-STG", "year": "2O22"},
            ],
        )
    )
    assert set(errors) == {
        "contacts.1.name",
        "contacts.1.email",
        "past_projects.0.topic_id",
        "past_projects.0.role",
        "past_projects.0.year",
        "past_projects.1.year",
    }
    assert errors["past_projects.1.year"][0] == "Give a year between 1984 and 2100."
