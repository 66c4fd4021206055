"""CORDIS participations as matcher inputs: organisation types and organisation-type priors.

The benchmark (2021-2022 rows, action kinds from the F&T call list) and the `radar import-cordis`
of production (every row, action kinds of the stored calls) learn their priors here alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from matcher.calls import identifier_prefix, normalise_topic_id
from matcher.profile import eligibility_type
from matcher.settings import Priors, learn_priors

# CORDIS activity types as profile organisation types; companies split by the SME flag.
_ACTIVITY_TYPES = {"HES": "higher_education", "REC": "research", "PUB": "public", "OTH": "ngo"}

Participation = tuple[str, bool, str]  # CORDIS activity type, SME flag, topic id of the project


def org_type_of(activity_type: str, sme: bool) -> str:
    """The profile organisation type of a CORDIS participant."""
    if activity_type in _ACTIVITY_TYPES:
        return _ACTIVITY_TYPES[activity_type]
    return "small" if sme else "large"


def participation_priors(
    participations: Iterable[Participation], kind_of: Callable[[str], str]
) -> Priors:
    """Lifts of eligibility type x action kind; each row counts for its topic's kind and prefix.

    `kind_of` gives the action kind of a normalised topic id ("" when unknown).
    """
    kinds: dict[str, tuple[str, str]] = {}  # topic -> (kind, prefix); topics recur in many rows
    rows = []
    for activity_type, sme, topic in participations:
        if topic not in kinds:
            topic_id = normalise_topic_id(topic)
            kinds[topic] = (kind_of(topic_id), identifier_prefix(topic_id))
        rows.append((eligibility_type(org_type_of(activity_type, sme)), kinds[topic]))
    return learn_priors(rows)
