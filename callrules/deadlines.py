"""Which deadline applies to a new applicant, and whether a call is open to one.

A two-stage call takes new proposals only at stage 1; after it only those who passed may
submit stage 2, so the call is closed to a newcomer. A call with several cut-offs offers the
earliest cut-off that still leaves the preparation time, else the next one, marked tight.
A call without deadlines closes on its technical end date when it has one (a continuous state
grant's), and a call its sources withdrew is closed whatever its dates say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, Literal, TypeVar

Status = Literal["forthcoming", "open", "closed"]
SINGLE_STAGE = "single-stage"
TWO_STAGE = "two-stage"
MULTIPLE_CUT_OFF = "multiple cut-off"
PREPARATION_DAYS = 14  # days an applicant needs to prepare a proposal, unless configured
STAGE = "stage"  # labels: "stage 1", "stage 2"
CUT_OFF = "cut-off"  # labels: "cut-off 1", "cut-off 2", ...
_LABEL = re.compile(rf"^({STAGE}|{CUT_OFF}) (\d+)$")

D = TypeVar("D")


@dataclass(frozen=True)
class ForApplicant(Generic[D]):
    """A call as a new applicant sees it on one day."""

    status: Status
    deadline: D | None  # the deadline to work to; None when closed or when none is given
    tight: bool  # fewer than the preparation days are left to `deadline`


def open_to_applicant(deadlines: Sequence[D], model: str | None) -> list[D]:
    """The deadlines a new applicant may submit to: stage 1 alone of a two-stage call."""
    return list(deadlines[:1]) if model == TWO_STAGE else list(deadlines)


def for_applicant(
    opening_date: date | None,
    deadlines: Sequence[D],
    model: str | None,
    today: date,
    min_days: int,
    day: Callable[[D], date],
    *,
    technical_end: date | None = None,
    withdrawn: bool = False,
) -> ForApplicant[D]:
    """Status and deadline for a new applicant on `today`; `deadlines` sorted, `day` dates one."""
    ahead = [d for d in open_to_applicant(deadlines, model) if day(d) >= today]
    last_day = closes_on([day(d) for d in deadlines], model, technical_end)
    if withdrawn or (last_day is not None and last_day < today):
        return ForApplicant("closed", None, False)
    status: Status = "forthcoming" if opening_date is not None and opening_date > today else "open"
    if not ahead:  # no deadline given: a continuous call
        return ForApplicant(status, None, False)
    roomy = [d for d in ahead if (day(d) - today).days >= min_days]
    deadline = roomy[0] if roomy else ahead[0]
    return ForApplicant(status, deadline, not roomy)


def closes_on(
    deadlines: Sequence[date], model: str | None, technical_end: date | None = None
) -> date | None:
    """The last day a new applicant can submit: the last deadline open to one, else the
    technical end of a call without deadlines; None when neither is given."""
    usable = open_to_applicant(sorted(deadlines), model)
    return usable[-1] if usable else technical_end


def label(kind: str, number: int) -> str:
    """The label of the `number`th deadline of a two-stage (STAGE) or cut-off (CUT_OFF) call."""
    return f"{kind} {number}"


def parse_label(text: str | None) -> tuple[str, int] | None:
    """(STAGE or CUT_OFF, number) of a label made by `label`; None for any other text."""
    found = _LABEL.match(text or "")
    return (found.group(1), int(found.group(2))) if found else None
