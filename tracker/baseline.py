"""The region's direct EU funding before the service: its organisations' Horizon Europe
participations in CORDIS, as the last `radar import-cordis` stored them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from scrapers.eligibility import KANTA_HAME
from tracker.models import CordisParticipation

P = CordisParticipation
FIGURES = (
    func.coalesce(func.sum(P.ec_contribution_eur), 0),
    func.count(),
    func.count(distinct(col(P.pic))),
)


@dataclass(frozen=True)
class Funding:
    ec_contribution_eur: int  # sum of the participations' EU contributions
    participations: int
    organisations: int  # distinct PICs


@dataclass(frozen=True)
class RegionFunding:
    rows: list[tuple[int | None, str | None, Funding]]  # call year, programme part (None: unknown)
    total: Funding


def region_funding(session: Session, region: str = KANTA_HAME) -> RegionFunding | None:
    """EU contributions, participations and organisations of the region's organisations (a
    NUTS code or its prefix) by call year and programme part, oldest first, and in total."""
    total = _funding(*session.exec(select(*FIGURES).where(_in_region(region))).one())
    if not total.participations:
        return None
    groups = session.exec(
        select(P.call_year, P.programme_part, *FIGURES)
        .where(_in_region(region))
        .group_by(col(P.call_year), col(P.programme_part))
    ).all()
    rows = [(year, part, _funding(*values)) for year, part, *values in groups]
    rows.sort(key=lambda row: (row[0] is None, row[0] or 0, row[1] or ""))
    return RegionFunding(rows, total)


def funding_by_year(session: Session, region: str = KANTA_HAME) -> dict[int | None, Funding]:
    """The region's figures by call year (None: unknown)."""
    groups = session.exec(
        select(P.call_year, *FIGURES).where(_in_region(region)).group_by(col(P.call_year))
    )
    return {year: _funding(*values) for year, *values in groups}


def _in_region(region: str) -> Any:
    """SQL: the participation's NUTS code starts with `region`, as a range the index serves
    (LIKE it does not)."""
    after = region[:-1] + chr(ord(region[-1]) + 1)
    return (col(P.nuts3) >= region) & (col(P.nuts3) < after)


def _funding(amount: int | Decimal, participations: int, organisations: int) -> Funding:
    # PostgreSQL sums BIGINT as numeric: a Decimal of whole euros.
    return Funding(int(amount), participations, organisations)
