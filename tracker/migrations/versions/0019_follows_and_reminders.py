"""calls followed, and deadline reminders on or off

A user follows a call (one row per user and call) for change alerts in their digest and
deadline reminders; each user may stop the reminders (on until they do). One new table and one
new column.

Revision ID: 0019_follows_and_reminders
Revises: 0018_full_text_search
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019_follows_and_reminders"
down_revision = "0018_full_text_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "call_id", name="uq_follow_user_call"),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index("ix_follow_call_id", ["call_id"], unique=False)
        batch_op.create_index("ix_follow_user_id", ["user_id"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("reminders", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("reminders")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_user_id")
        batch_op.drop_index("ix_follow_call_id")
    op.drop_table("follow")
