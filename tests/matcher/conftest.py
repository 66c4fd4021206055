"""Realistic matcher inputs: real F&T calls of the SEDIA snapshot, Häme actors, the themes."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from matcher.calls import CallInput
from matcher.profile import PastProject, Profile
from matcher.themes import Theme, themes_from_config
from tests.conftest import SHARED

TODAY = date(2026, 8, 22)  # the day of the SEDIA feed snapshot
FEED = SHARED / "fixtures/sedia/derived/eu_grants_feed_snapshot_2026-08-22.json"
BENCH = SHARED / "bench/matching"
THEMES_TOML = Path(__file__).resolve().parents[2] / "config.toml"  # the committed themes


def told(match: Any, language: str, today: date | None = TODAY) -> str:
    """A match's explanation as a reader sees it on `today`, with the committed themes."""
    from matcher.explain import explain

    by_key = {t.name: t for t in themes_from_toml(THEMES_TOML.read_text(encoding="utf-8"))}
    return explain(match.evidence, language, today or TODAY, by_key).text  # type: ignore[arg-type]


def themes_from_toml(text: str) -> tuple[Theme, ...]:
    """Themes from a [[matching.themes]] TOML snippet, as the tracker's config gives them."""
    return themes_from_config(tomllib.loads(text)["matching"]["themes"])


def feed_call(grant: dict[str, Any]) -> CallInput:
    """One grant of the SEDIA feed snapshot as the tracker would pass it to the matcher."""
    budget = grant.get("budget") or {}
    programmes = [p["label"] for p in grant.get("frameworkProgrammes") or []]
    divisions = [d["label"] for d in grant.get("programmeDivisions") or []]
    deadline = grant.get("deadlineDate")
    return CallInput(
        id=grant["identifier"],
        identifier=grant["identifier"],
        title=grant["title"],
        description=grant.get("abstract") or "",
        programme=programmes[0] if programmes else "",
        programme_part="; ".join(divisions),
        call_title=grant.get("callTitle") or "",
        type_of_action=grant.get("actionType") or "",
        opening_date=date.fromisoformat(grant["startDate"][:10])
        if grant.get("startDate")
        else None,
        deadlines=(date.fromisoformat(deadline[:10]),) if deadline else (),
        budget_min_eur=budget.get("minContributionEur"),
        budget_max_eur=budget.get("maxContributionEur"),
        budget_total_eur=budget.get("totalBudgetEur"),
    )


@pytest.fixture(scope="session")
def feed() -> dict[str, CallInput]:
    """The 723 open or forthcoming grants of 2026-08-22, by identifier."""
    grants = json.loads(FEED.read_text(encoding="utf-8"))["grants"]
    return {g["identifier"]: feed_call(g) for g in grants}


@pytest.fixture(scope="session")
def themes() -> tuple[Theme, ...]:
    return themes_from_toml(THEMES_TOML.read_text(encoding="utf-8"))


def biogas_company() -> Profile:
    """A Forssa company refining food-industry side streams, described in Finnish."""
    return Profile(
        id="forssa-biokaasu",
        name="Forssan Biokierto Oy",
        org_type="small",
        business_id="0737546-2",
        municipality="Forssa",
        nuts3="FI1C2",
        themes=("circular_economy",),
        keywords=("biokaasu", "ravinteiden kierrätys", "biogas", "nutrient recycling"),
        description=(
            "Jalostamme elintarviketeollisuuden ja maatilojen sivuvirroista biokaasua ja "
            "kierrätyslannoitteita. Kehitämme kiertotalouden ratkaisuja ja teollista "
            "symbioosia Envi Grow Parkissa."
        ),
        programmes=("LIFE", "HORIZON-CL6"),
        preferred_role="partner",
        budget_min_eur=200_000,
        budget_max_eur=2_000_000,
        cofinancing_eur=300_000,
    )


def research_institute() -> Profile:
    """A Jokioinen research institute with real 2021-2022 Horizon Europe topics behind it."""
    past = (
        (
            "HORIZON-CL6-2021-FARM2FORK-1-2",
            2021,
            "PROTEINCROPS",
            "Developing sustainable and competitive land-based protein crop systems and value chains",
        ),
        (
            "HORIZON-CL6-2021-FARM2FORK-1-3",
            2021,
            "AGRODIGI",
            "Digitalisation as an enabler of agroecological farming systems",
        ),
        (
            "HORIZON-CL6-2021-CIRCBIO-1-8",
            2021,
            "RURALBIO",
            "Mainstreaming inclusive small-scale bio-based solutions in European rural areas",
        ),
        ("HORIZON-MSCA-2022-DN-1-1", 2022, "PLANTDOC", "MSCA Doctoral Networks 2022"),
    )
    return Profile(
        id="jokioinen-research",
        name="Jokioisten tutkimuskeskus",
        org_type="research",
        business_id="0201296-1",
        municipality="Jokioinen",
        themes=("food_system",),
        description="Research on plant and animal production, soil, food systems and bioeconomy.",
        past_projects=tuple(
            PastProject(topic_id=t, acronym=a, title=title, role="participant", year=y)
            for t, y, a, title in past
        ),
    )


def municipality() -> Profile:
    """The city of Hämeenlinna: a public body interested in mobility and smart services."""
    return Profile(
        id="hameenlinna",
        name="Hämeenlinnan kaupunki",
        org_type="public",
        business_id="0139984-2",
        municipality="Hämeenlinna",
        nuts3="FI1C2",
        themes=("smart_services", "design"),
        keywords=("smart city", "mobility", "digital services"),
        description="Hämeenlinna develops smart and sustainable urban mobility and digital services.",
        preferred_role="coordinator",
    )


@pytest.fixture
def actors() -> list[Profile]:
    return [biogas_company(), research_institute(), municipality()]
