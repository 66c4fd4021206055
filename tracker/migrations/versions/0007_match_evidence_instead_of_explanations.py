"""match evidence instead of explanations

A match stored its explanation as English and Finnish prose, frozen on the day it was scored
("397 days left" went stale). It now stores what the score rests on as JSON (the components'
shares, shared words, the chosen themes with their own terms, the deadline date), told in the
reader's language when read. Old rows get empty evidence until the next re-score.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.drop_column("explanation_fi")
        batch_op.drop_column("explanation_en")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.alter_column("evidence", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("explanation_fi", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("explanation_en", sa.Text(), nullable=False, server_default="")
        )
        batch_op.drop_column("evidence")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.alter_column("explanation_fi", server_default=None)
        batch_op.alter_column("explanation_en", server_default=None)
