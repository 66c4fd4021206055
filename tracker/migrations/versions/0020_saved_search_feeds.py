"""the Atom feed of a saved search

A saved search's feed URL carries a signed token naming the subscription and its `feed_key`;
a new key revokes the URL before it, none turns the feed off. Saved searches made before have
no feed until their owner makes one on the subscriptions page. One new column.

Revision ID: 0020_saved_search_feeds
Revises: 0019_follows_and_reminders
Create Date: 2026-12-05 23:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020_saved_search_feeds"
down_revision = "0019_follows_and_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("feed_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("feed_key")
