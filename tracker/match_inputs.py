"""Stored calls and actors as the matcher's inputs: calls, profiles, themes and settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matcher.calls import CallInput, normalise_topic_id
from matcher.profile import Contact, IndustryCode, PastProject, Profile
from matcher.settings import MatchSettings
from matcher.themes import Theme
from tracker.config import Settings
from tracker.models import Actor, ActorProject, Call, deadlines_of

# The stored fields call_input reads: a call's HTML, conditions and sources are not loaded.
INPUT_FIELDS = (
    "id", "identifier", "title", "description_text", "keywords", "tags", "programme",
    "programme_part", "call_title", "type_of_action", "opening_date", "deadlines",
    "deadline_model", "technical_end", "withdrawn_at", "budget_min_grant_eur",
    "budget_max_grant_eur", "budget_total_eur", "expected_grants", "eligibility", "content_hash",
)  # fmt: skip


def input_columns() -> tuple[Any, ...]:
    """The columns of calls read for call_input: rows of them, not whole calls (the ORM's
    objects took a third of the time to read 50,000 calls for the match index)."""
    return tuple(getattr(Call, name) for name in INPUT_FIELDS)


def call_input(call: Any) -> CallInput:
    """The matcher's view of a stored call, or of a row of its `input_columns`."""
    eligibility = call.eligibility or {}
    return CallInput(
        id=str(call.id),
        identifier=call.identifier,
        title=call.title,
        description=call.description_text or "",
        keywords=tuple(call.keywords) + tuple(call.tags),
        programme=call.programme or "",
        programme_part=call.programme_part or "",
        call_title=call.call_title or "",
        type_of_action=call.type_of_action or "",
        opening_date=call.opening_date,
        deadlines=tuple(d.date for d in deadlines_of(call.deadlines)),
        deadline_model=call.deadline_model,
        technical_end=call.technical_end,
        withdrawn=call.withdrawn_at is not None,
        budget_min_eur=call.budget_min_grant_eur or _per_grant(call),
        budget_max_eur=call.budget_max_grant_eur or _per_grant(call),
        budget_total_eur=call.budget_total_eur,
        funding_rate=eligibility.get("funding_rate_max"),
        countries=tuple(eligibility.get("countries", ())),
        regions=tuple(eligibility.get("regions", ())),
        organisation_types=tuple(eligibility.get("organisation_types", ())),
        content_hash=call.content_hash,
    )


def _per_grant(call: Call) -> int | None:
    """The grant size when a source gives only the total and the number of grants."""
    if call.budget_total_eur and call.expected_grants:
        return call.budget_total_eur // call.expected_grants
    return None


def profile(actor: Actor, projects: Sequence[ActorProject]) -> Profile:
    """The matcher's view of a stored actor and its past projects."""
    return Profile(
        id=str(actor.id),
        name=actor.name,
        org_type=actor.organisation_type,
        business_id=actor.business_id or "",
        pic=actor.pic,
        municipality=actor.municipality or "other",
        nuts3=actor.nuts3 or "",
        country=actor.country,
        industry_codes=tuple(
            IndustryCode(c["code"], c.get("version", "TOL2008")) for c in actor.industry_codes
        ),
        themes=tuple(actor.themes),
        keywords=tuple(actor.keywords),
        description=actor.description or "",
        programmes=tuple(actor.programmes),
        preferred_role=actor.preferred_role,  # type: ignore[arg-type]
        budget_min_eur=actor.budget_min_eur,
        budget_max_eur=actor.budget_max_eur,
        cofinancing_eur=actor.cofinancing_eur,
        contacts=tuple(Contact(**c) for c in actor.contacts),
        past_projects=tuple(
            PastProject(
                topic_id=normalise_topic_id(p.topic_id or ""),
                programme_part=p.programme_part or "",
                acronym=p.acronym or "",
                title=p.title or "",
                role=p.role or "participant",
                year=p.call_year,
            )
            for p in projects
        ),
    )


def themes(settings: Settings) -> list[Theme]:
    """The Smart Häme themes of the configuration."""
    return [
        Theme(t.name, t.label_fi, t.label_en, tuple(t.keywords_fi), tuple(t.keywords_en))
        for t in settings.matching.themes
    ]


def match_settings(settings: Settings) -> MatchSettings:
    """The matcher's settings from the [matching] table; weights keep their tuned defaults."""
    config = settings.matching
    return MatchSettings(
        min_days_to_prepare=config.min_days_to_prepare,
        min_score=config.min_score,
        max_matches_per_actor=config.max_matches_per_actor,
    )
