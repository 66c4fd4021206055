"""Calls their sources stopped listing: withdrawn after complete runs, back when listed again.

A run is evidence only when it read the source's whole listing (`complete`): a missing record
then missed one more run. A call is withdrawn when every source record of it has missed
`after_runs` complete runs in a row, unless its own dates closed it (a source that lists only
open calls drops a call when it closes: closed, not withdrawn). Any run that lists a record
again (ingest sets its `missed_runs` to 0) brings its call back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tracker.db import insert_rows
from tracker.ingest import insert_versions
from tracker.models import Call, CallSource, CallVersion, ChangeEvent
from tracker.queries import UNMERGED, not_ended_clause

FIELD = "withdrawn"  # ChangeEvent.field_name: old and new value say whether it was withdrawn


def settle(
    session: Session,
    source: str,
    *,
    complete: bool,
    after_runs: int,
    today: date,
    now: datetime,
) -> tuple[list[int], list[int]]:
    """After a run of `source` that listed its records as of `now`: the calls withdrawn, and
    the calls back."""
    if complete:
        session.exec(
            update(CallSource)
            .where(col(CallSource.source) == source, col(CallSource.last_seen) < now)
            .values(missed_runs=col(CallSource.missed_runs) + 1)
        )
    withdrawn = _ids(session, _to_withdraw(source, after_runs, today)) if complete else []
    back = _ids(session, _listed_again())
    _mark(session, withdrawn, now, source, now)
    _mark(session, back, None, source, now)
    return withdrawn, back


def _to_withdraw(source: str, after_runs: int, today: date) -> Any:
    dropped_here = select(CallSource.call_id).where(
        col(CallSource.source) == source, col(CallSource.missed_runs) >= after_runs
    )
    still_listed = select(CallSource.call_id).where(col(CallSource.missed_runs) < after_runs)
    return (
        UNMERGED,
        col(Call.withdrawn_at).is_(None),
        col(Call.id).in_(dropped_here),
        col(Call.id).not_in(still_listed),
        not_ended_clause(today),
    )


def _listed_again() -> Any:
    listed = select(CallSource.call_id).where(col(CallSource.missed_runs) == 0)
    return (col(Call.withdrawn_at).is_not(None), col(Call.id).in_(listed))


def _ids(session: Session, conditions: Any) -> list[int]:
    return [int(i) for i in session.exec(select(Call.id).where(*conditions))]


def _mark(
    session: Session, call_ids: list[int], at: datetime | None, source: str, now: datetime
) -> None:
    """Set or clear the mark, each with a version (the content as it was) and a change event."""
    if not call_ids:
        return
    session.exec(update(Call).where(col(Call.id).in_(call_ids)).values(withdrawn_at=at))
    newest = (
        select(CallVersion.call_id, func.max(CallVersion.number).label("number"))
        .where(col(CallVersion.call_id).in_(call_ids))
        .group_by(CallVersion.call_id)
        .subquery()
    )
    latest = session.exec(
        select(CallVersion.call_id, CallVersion.number, CallVersion.content).join(
            newest,
            (newest.c.call_id == CallVersion.call_id) & (newest.c.number == CallVersion.number),
        )
    ).all()
    rows = [
        {"call_id": c, "number": n + 1, "content": content, "created_at": now, "source": source}
        for c, n, content in latest
    ]
    version_ids = insert_versions(session, rows)
    events = [
        {
            "call_id": row["call_id"],
            "version_id": version_ids[row["call_id"]],
            "created_at": now,
            "kind": "status",
            "field_name": FIELD,
            "old_value": at is None,
            "new_value": at is not None,
        }
        for row in rows
    ]
    insert_rows(session, ChangeEvent, events)
