"""every deadline of a call in the deadline index; applications on the kept call

The deadline index keeps every stage of a call, marking those a new applicant may submit to
(`newcomer`: all but stage 2 of a two-stage call), so the applications table filters by any
stage of its calls in SQL. An application of a call merged into another follows it to the kept
call, as its feedback did, so SQL joins an application to the call the pages show.

Revision ID: 0017_every_deadline_indexed
Revises: 0016_digest_subscriptions
Create Date: 2026-12-04 10:00:00
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

from callrules.deadlines import open_to_applicant

revision = "0017_every_deadline_indexed"
down_revision = "0016_digest_subscriptions"
branch_labels = None
depends_on = None

CALL = sa.table(
    "call",
    sa.column("id", sa.Integer),
    sa.column("deadlines", sa.JSON),
    sa.column("deadline_model", sa.String),
    sa.column("merged_into_id", sa.Integer),
)
INDEX = sa.table(
    "calldeadline",
    sa.column("call_id", sa.Integer),
    sa.column("deadline", sa.Date),
    sa.column("newcomer", sa.Boolean),
)
APPLICATION = sa.table("application", sa.column("id", sa.Integer), sa.column("call_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("calldeadline", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("newcomer", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.drop_index("ix_calldeadline_call_deadline")
        batch_op.create_index(
            "ix_calldeadline_call_newcomer_deadline", ["call_id", "newcomer", "deadline"]
        )
    with op.batch_alter_table("calldeadline", schema=None) as batch_op:
        batch_op.alter_column("newcomer", server_default=None)
    bind = op.get_bind()
    _index_later_stages(bind)
    _follow_merges(bind)


def _index_later_stages(bind: sa.Connection) -> None:
    """Add the deadlines a new applicant may not use, which the index left out until now."""
    columns = (CALL.c.id, CALL.c.deadlines, CALL.c.deadline_model)
    later = []
    for call_id, deadlines, model in bind.execute(sa.select(*columns)):
        days = sorted(date.fromisoformat(d["date"]) for d in deadlines or [])
        usable = len(open_to_applicant(days, model))
        later += [{"call_id": call_id, "deadline": d, "newcomer": False} for d in days[usable:]]
    if later:
        bind.execute(INDEX.insert(), later)


def _follow_merges(bind: sa.Connection) -> None:
    """Point each application of a merged call to the call it lives on in."""
    merged = dict(
        bind.execute(
            sa.select(CALL.c.id, CALL.c.merged_into_id).where(CALL.c.merged_into_id.is_not(None))
        ).all()
    )
    found = bind.execute(
        sa.select(APPLICATION.c.id, APPLICATION.c.call_id).where(
            APPLICATION.c.call_id.in_(list(merged))
        )
    ).all()
    for application_id, call_id in found:
        seen = {call_id}
        while call_id in merged and merged[call_id] not in seen:
            call_id = merged[call_id]
            seen.add(call_id)
        bind.execute(
            APPLICATION.update().where(APPLICATION.c.id == application_id).values(call_id=call_id)
        )


def downgrade() -> None:
    """The index of a new applicant's deadlines alone; applications stay on the kept call."""
    op.get_bind().execute(INDEX.delete().where(INDEX.c.newcomer.is_(False)))
    with op.batch_alter_table("calldeadline", schema=None) as batch_op:
        batch_op.drop_index("ix_calldeadline_call_newcomer_deadline")
        batch_op.create_index("ix_calldeadline_call_deadline", ["call_id", "deadline"])
        batch_op.drop_column("newcomer")
