"""deadlines of a new applicant

A two-stage call takes new applicants only until stage 1. The call's final_deadline (which
the SQL status reads) becomes its last day for a new applicant, and the deadline index keeps
only the deadlines a new applicant may submit to, so the next deadline of the list is theirs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:30:00
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from callrules.deadlines import open_to_applicant

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Usable = Callable[[list[date], Any], list[date]]


def upgrade() -> None:
    _reindex(open_to_applicant)


def downgrade() -> None:
    _reindex(lambda days, _model: days)  # every deadline, as before this revision


def _reindex(usable: Usable) -> None:
    """Rewrite final_deadline and the deadline index of every call from its deadlines."""
    bind = op.get_bind()
    call = sa.table(
        "call",
        sa.column("id", sa.Integer),
        sa.column("deadlines", sa.JSON),
        sa.column("deadline_model", sa.String),
        sa.column("final_deadline", sa.Date),
    )
    index = sa.table(
        "calldeadline", sa.column("call_id", sa.Integer), sa.column("deadline", sa.Date)
    )
    columns = (call.c.id, call.c.deadlines, call.c.deadline_model, call.c.final_deadline)
    rows = bind.execute(sa.select(*columns)).all()
    bind.execute(index.delete())
    for call_id, deadlines, model, final in rows:
        days = usable(sorted(date.fromisoformat(d["date"]) for d in deadlines or []), model)
        last = days[-1] if days else None
        if last != final:  # only two-stage calls with a stage 2 change
            bind.execute(call.update().where(call.c.id == call_id).values(final_deadline=last))
        if days:
            bind.execute(index.insert(), [{"call_id": call_id, "deadline": d} for d in days])
