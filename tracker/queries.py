"""Read-side queries over stored calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, func, literal_column, or_
from sqlmodel import Session, col, select

from scrapers.record import Deadline, Status
from tracker.db import likely
from tracker.models import Call, CallSource

SUMMARY_FIELDS = (
    "identifier",
    "title",
    "programme",
    "status",
    "next_deadline",
    "deadlines",
    "opening_date",
    "budget_eur",
    "type_of_action",
    "url",
    "first_seen",
    "last_seen",
)


UNMERGED = col(Call.merged_into_id).is_(None)  # a call merged into another is never listed


def ended_clause(today: date) -> Any:
    """SQL: the call's own dates closed it before `today` (final_deadline: a newcomer's last day,
    or the technical end of a call without deadlines; callrules.deadlines.closes_on)."""
    return col(Call.final_deadline) < today


# A call without a final deadline closes on no day: in the comparison its last day is the last
# date there is. "Not closed" is then one comparison, a range of the live calls' indexes of that
# expression (0024 on PostgreSQL, 0025 on SQLite). A constant in the SQL, not a parameter: the
# plan PostgreSQL keeps for a prepared statement knows no parameter's value, and would not see
# the indexed expression.
NEVER_ENDS = literal_column("'9999-12-31'", Date)


def last_day() -> Any:
    """SQL: the call's last day for a new applicant, the last date there is when it has none;
    the expression the live calls' indexes are ordered by."""
    return func.coalesce(col(Call.final_deadline), NEVER_ENDS)


def not_ended_clause(today: date, most: bool = False) -> Any:
    """SQL: the call's own dates have not closed it by `today`; not `ended_clause`. `most`:
    told to SQLite as true of most calls (tracker.db.likely), for a list read in another
    index's order."""
    return likely(last_day() >= today) if most else last_day() >= today


# Every moment a call was withdrawn at is later. "Withdrawn" as this range rather than IS NOT
# NULL: SQLite reads the closed calls from the dates' index and the withdrawn calls' (an index
# each side of the OR) instead of every call, 36 -> 3 ms at 50,000 calls.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def status_clause(status: Status, today: date, most: bool = False) -> Any:
    """SQL condition equal to `Call.status` on `today`: ended by its dates, or withdrawn.
    `most`: its dates told to SQLite as true of most calls (`not_ended_clause`)."""
    if status == "closed":
        ended = ended_clause(today)
        return or_(likely(ended) if most else ended, col(Call.withdrawn_at) > EPOCH)
    not_closed = current_clause(today, most)
    if status == "forthcoming":
        return not_closed & (col(Call.opening_date) > today)
    opened = or_(col(Call.opening_date).is_(None), col(Call.opening_date) <= today)
    return not_closed & opened


def current_clause(today: date, most: bool = False) -> Any:
    """SQL condition: open or forthcoming on `today`, a call one can still apply to (not
    closed, whenever it opens). `most`: as in `not_ended_clause`."""
    return not_ended_clause(today, most) & col(Call.withdrawn_at).is_(None)


IDS_PER_QUERY = 10_000  # PostgreSQL takes at most 65,535 parameters in a statement


def call_row(call: Call, today: date, min_days: int, seen: datetime | None) -> dict[str, Any]:
    """The fields people and exports need first, typed (dates, deadlines, money as int);
    status and next deadline for a new applicant who needs `min_days` to prepare; `seen`,
    when a source last listed it (`last_seen`)."""
    view = call.for_applicant(today, min_days)
    return {
        "identifier": call.identifier,
        "title": call.title,
        "programme": call.programme,
        "status": view.status,
        "next_deadline": view.deadline,
        "deadlines": call.deadline_list(),
        "opening_date": call.opening_date,
        "budget_eur": call.budget_total_eur,
        "type_of_action": call.type_of_action,
        "url": call.url,
        "first_seen": call.first_seen,
        "last_seen": seen,
    }


def call_summary(call: Call, today: date, min_days: int, seen: datetime | None) -> dict[str, Any]:
    """`call_row` as JSON and CSV write it: deadlines, dates and times as ISO 8601 text."""
    return as_text(call_row(call, today, min_days, seen))


def last_seen(session: Session, call_ids: Sequence[int]) -> dict[int, datetime]:
    """When a source last listed each of these calls: the latest of its sources'."""
    seen: dict[int, datetime] = {}
    for start in range(0, len(call_ids), IDS_PER_QUERY):
        part = call_ids[start : start + IDS_PER_QUERY]
        query = (
            select(CallSource.call_id, func.max(CallSource.last_seen))
            .where(col(CallSource.call_id).in_(part))
            .group_by(col(CallSource.call_id))
        )
        seen.update(session.exec(query).all())
    return seen


def as_text(value: Any) -> Any:
    """A typed value as JSON and CSV write it: deadlines, dates and times as ISO 8601 text."""
    if isinstance(value, dict):
        return {name: as_text(item) for name, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, Deadline):
        return value.iso()
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def kept_call(session: Session, call: Call) -> Call:
    """The call a merged call lives on in, following chains of merges; the call itself if kept."""
    seen = {call.id}
    while call.merged_into_id is not None and call.merged_into_id not in seen:
        seen.add(call.merged_into_id)
        kept = session.get(Call, call.merged_into_id)
        if kept is None:
            break
        call = kept
    return call


def topics_sharing_budget(session: Session, call: Call) -> int:
    """How many other topics of the call give the same total budget, when that total is more
    than this topic's own grants add up to: then it is the whole call's, shared by its topics
    (some sources give it for every topic); 0 when the total is the topic's."""
    total, grants, largest = call.budget_total_eur, call.expected_grants, call.budget_max_grant_eur
    if (
        total is None
        or not call.call_identifier
        or (grants and largest and total <= grants * largest)
    ):
        return 0
    query = select(func.count(col(Call.id))).where(
        UNMERGED,
        Call.call_identifier == call.call_identifier,
        Call.budget_total_eur == total,
        Call.id != call.id,
    )
    return session.exec(query).one()
