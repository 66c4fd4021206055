"""calls that end: technical end date, withdrawn calls, runs a source record was missed

A call without deadlines closes on its technical end date (Haeavustuksia's continuous calls).
A call every source of which has left it out of `[ingest] withdraw_after_runs` complete runs is
withdrawn: `call.withdrawn_at`, counted per source record by `callsource.missed_runs`.

Revision ID: 0011_calls_that_end
Revises: 0010_mail_outbox
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_calls_that_end"
down_revision = "0010_mail_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("technical_end", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_call_withdrawn_at"), ["withdrawn_at"], unique=False)
    with op.batch_alter_table("callsource", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("missed_runs", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("callsource", schema=None) as batch_op:
        batch_op.alter_column("missed_runs", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("callsource", schema=None) as batch_op:
        batch_op.drop_column("missed_runs")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_withdrawn_at"))
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("technical_end")
