"""Tagging calls with the Smart Häme themes, and the words that give the reason."""

from matcher.calls import CallInput
from matcher.themes import ThemeMatcher, tag_call


def test_real_calls_are_tagged_with_their_themes_and_reasons(feed, themes):
    matcher = ThemeMatcher(themes)
    circular = matcher.tag(feed["HORIZON-CL6-2027-01-CIRCBIO-09"])  # circular bio-based sector
    assert circular[0].theme == "circular_economy"
    assert circular[0].score == 1.0
    assert {"circularity", "recycling", "bioeconomy"} <= set(circular[0].keywords)
    food = matcher.tag(feed["HORIZON-CL6-2027-02-FARM2FORK-05"])  # farmers' profitability
    assert food[0].theme == "food_system"
    assert {"agriculture", "farmers"} <= set(food[0].keywords)
    robots = matcher.tag(feed["HORIZON-CL4-2027-04-DIGITAL-EMERGING-05"])
    assert [t.theme for t in robots] == ["smart_services"]


def test_calls_outside_the_themes_get_no_tag(feed, themes):
    assert tag_call(feed["HORIZON-CL5-2026-11-D3-14"], themes) == ()  # PV system design


def test_finnish_call_is_tagged_through_inflected_and_compound_words(themes):
    call = CallInput(
        id="eakr-kh-1",
        identifier="EAKR-KH-2026-1",
        title="Kiertotalouden investoinnit Kanta-Hämeessä",
        description=(
            "Haku on tarkoitettu hankkeille, jotka hyödyntävät elintarviketeollisuuden "
            "sivuvirtoja, tuottavat biokaasua ja edistävät ravinteiden kierrätystä."
        ),
    )
    tags = tag_call(call, themes)
    assert [t.theme for t in tags] == ["circular_economy"]
    assert {"kiertotalous", "sivuvirta", "biokaasu", "kierrätys"} <= set(tags[0].keywords)


def test_one_passing_mention_is_not_enough(themes):
    call = CallInput(
        id="x",
        identifier="X",
        title="Quantum sensing for navigation",
        description="Outcomes may later benefit agriculture among many other sectors.",
    )
    assert tag_call(call, themes) == ()
    titled = CallInput(id="y", identifier="Y", title="Robotics for farming", description="")
    assert tag_call(titled, themes) == ()  # one title word each: 2 < 3 hits
    both = CallInput(id="z", identifier="Z", title="Robotics and automation", description="")
    assert [t.theme for t in tag_call(both, themes)] == ["smart_services"]
