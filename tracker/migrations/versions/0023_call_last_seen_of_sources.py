"""a call's last sighting read from its sources, not written to the call

Every run wrote `call.last_seen` for each call it found unchanged: on PostgreSQL a new version
of a wide row with 17 indexes, 50,000 times, 5.4 of the 15.7 s of an unchanged re-ingest of
50,000 records. Each source's `callsource.last_seen` is written anyway (withdrawals read it);
a call's is now the latest of its sources' (tracker.queries.last_seen).

Revision ID: 0023_call_last_seen_of_sources
Revises: 0022_live_calls_by_programme
Create Date: 2026-12-06 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_call_last_seen_of_sources"
down_revision = "0022_live_calls_by_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both engines drop a column in place (SQLite since 3.35): no copy of the calls' table.
    op.execute("ALTER TABLE call DROP COLUMN last_seen")


def downgrade() -> None:
    op.add_column("call", sa.Column("last_seen", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE call SET last_seen = COALESCE("
        "(SELECT MAX(callsource.last_seen) FROM callsource WHERE callsource.call_id = call.id),"
        " last_changed)"
    )
