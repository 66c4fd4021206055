"""money as BIGINT, and the record errors of a run

EUR amounts were INTEGER: on PostgreSQL a 2.5 bn EUR budget failed the whole source run (the
feed already holds a 1.78 bn EUR call). They are BIGINT now on both engines. A run keeps the
records it left out (source, record key, field, problem) so staff can see them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MONEY = {
    "call": ("budget_total_eur", "budget_min_grant_eur", "budget_max_grant_eur"),
    "actor": ("budget_min_eur", "budget_max_eur", "cofinancing_eur"),
    "actorproject": ("ec_contribution_eur",),
}


def upgrade() -> None:
    # SQLite's INTEGER already holds 64 bits; only PostgreSQL's column types change.
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in MONEY.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.BigInteger(), existing_nullable=True)
    with op.batch_alter_table("jobrun", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_errors", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("jobrun", schema=None) as batch_op:
        batch_op.alter_column("record_errors", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("jobrun", schema=None) as batch_op:
        batch_op.drop_column("record_errors")
    # Money stays BIGINT: narrowing would fail on the billions it now holds, and wider columns
    # do no harm to the older code.
