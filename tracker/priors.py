"""Organisation-type priors: learned at the CORDIS import, stored, read when the index is fitted."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, delete, select

from matcher.calls import action_kind, normalise_topic_id
from matcher.cordis import Participation, participation_priors
from matcher.settings import Priors
from tracker.models import Call, MatchPrior


def learn_with_stored_kinds(session: Session, participations: Iterable[Participation]) -> Priors:
    """Priors of past participations, a topic's action kind read from the stored call if any."""
    stored = session.exec(select(Call.identifier, Call.type_of_action)).all()
    kinds = {normalise_topic_id(i): action_kind(t or "", i) for i, t in stored}
    # Without a stored call, the identifier alone names the kind (its programme prefix).
    return participation_priors(participations, lambda t: kinds.get(t) or action_kind("", t))


def replace_priors(session: Session, priors: Priors) -> int:
    """Store these priors in place of the stored ones; how many there are."""
    session.exec(delete(MatchPrior))
    session.add_all(
        MatchPrior(org_type=org, kind=kind, lift=lift)
        for (org, kind), lift in priors.org_action_lift.items()
    )
    session.flush()
    return len(priors.org_action_lift)


def load_priors(session: Session) -> Priors:
    """The stored priors (none before the first CORDIS import with topics)."""
    rows = session.exec(select(MatchPrior)).all()
    return Priors({(r.org_type, r.kind): r.lift for r in rows})
