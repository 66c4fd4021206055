"""calendar feeds behind secret URLs

An actor's, a staff member's or the region's iCalendar feed, found by the SHA-256 of the token
in its URL; deleting the row revokes the URL.

Revision ID: 0015_calendar_feeds
Revises: 0014_applications
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015_calendar_feeds"
down_revision = "0014_applications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendarfeed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calendarfeed", schema=None) as batch_op:
        batch_op.create_index("ix_calendarfeed_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_calendarfeed_token_hash", ["token_hash"], unique=True)
        batch_op.create_index("ix_calendarfeed_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendarfeed", schema=None) as batch_op:
        batch_op.drop_index("ix_calendarfeed_user_id")
        batch_op.drop_index("ix_calendarfeed_token_hash")
        batch_op.drop_index("ix_calendarfeed_actor_id")
    op.drop_table("calendarfeed")
