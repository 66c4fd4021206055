"""Whom to apply with: the organisations of earlier CORDIS projects of a call's theme series
(or, when the series has none, of its programme part), the actor's own past partners first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, distinct, func, literal
from sqlmodel import Session, col, select

from matcher.calls import identifier_prefix, theme_series
from scrapers.eligibility import NUTS_TO_ISO
from tracker.models import Actor, ActorProject, CordisParticipation

SHOWN = 25
P = CordisParticipation


@dataclass(frozen=True)
class Partner:
    pic: str
    name: str
    country: str  # CORDIS code: EL is Greece, UK the United Kingdom
    activity_type: str  # CORDIS HES, REC, PRC, PUB, OTH
    projects: int  # projects of the series (or programme part) it took part in
    coordinated: int  # of those, the projects it coordinated
    past_partner: bool  # it was in a project with the actor before


@dataclass(frozen=True)
class Suggestions:
    scope: str  # "series" or "programme_part"
    key: str  # e.g. "HORIZON-CL6|BIODIV" or "HORIZON-CL6"
    total: int  # organisations in scope; the first `limit` are in `partners`
    partners: list[Partner]


def suggest_partners(
    session: Session, identifier: str, actor: Actor | None = None, limit: int = SHOWN
) -> Suggestions | None:
    """The organisations of the CORDIS projects of the call's theme series, else of its
    programme part: the actor's past partners first, then by projects and coordinations."""
    past = past_partners(session, actor) if actor else set()
    scopes = (
        ("series", col(P.series), theme_series(identifier)),
        ("programme_part", col(P.programme_part), identifier_prefix(identifier)),
    )
    for scope, column, key in scopes:
        if not key:
            continue
        where = [column == key]
        if actor and actor.pic:
            where.append(col(P.pic) != actor.pic)
        total = session.exec(select(func.count(distinct(col(P.pic)))).where(*where)).one()
        if total:
            return Suggestions(scope, key, total, _ranked(session, where, past, limit))
    return None


def consortium_partner(session: Session, pic: str) -> dict[str, str] | None:
    """The CORDIS organisation of this PIC as an application's consortium partner (its country
    as ISO 3166 has it: GR, not CORDIS's EL), or None when CORDIS has no such organisation."""
    name, country = session.exec(
        select(func.max(P.name), func.max(P.country)).where(P.pic == pic)
    ).one()
    if name is None:
        return None
    return {
        "name": name,
        "country": NUTS_TO_ISO.get(country, country),
        "role": "partner",
        "pic": pic,
    }


def past_partners(session: Session, actor: Actor) -> set[str]:
    """The PICs of the other organisations of the actor's past projects."""
    projects = select(ActorProject.project_id).where(ActorProject.actor_id == actor.id)
    query = select(P.pic).where(col(P.project_id).in_(projects), P.pic != (actor.pic or ""))
    return set(session.exec(query.distinct()))


def _ranked(
    session: Session, where: list[ColumnElement[bool]], past: set[str], limit: int
) -> list[Partner]:
    projects = func.count(distinct(col(P.project_id)))
    coordinated = func.count(distinct(case((col(P.role) == "coordinator", P.project_id))))
    first = case((col(P.pic).in_(past), 0), else_=1) if past else literal(1)
    rows = session.exec(
        select(
            P.pic,
            func.max(P.name),
            func.max(P.country),
            func.max(P.activity_type),
            projects,
            coordinated,
        )
        .where(*where)
        .group_by(P.pic)
        .order_by(first, projects.desc(), coordinated.desc(), P.pic)
        .limit(limit)
    )
    return [
        Partner(pic, name, country, kind, count, led, pic in past)
        for pic, name, country, kind, count, led in rows
    ]
