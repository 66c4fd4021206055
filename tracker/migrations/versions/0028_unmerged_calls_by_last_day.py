"""the unmerged calls by their last day, whatever their status

Calls of any status (the calls page's "any status", the list by deadline) were counted by
reading every call's row on PostgreSQL (48 ms at 50,000 calls), and the page's bound of the
deadlines within reach (tracker.search._within_reach) sorted every unmerged call by its last
day on both engines (43 ms; SQLite 60-80 ms for the whole page). This index holds the unmerged
calls in that order, with their ids: the count reads it alone and the bound its first calls
(the page: PostgreSQL 106 -> 21 ms, SQLite 60-83 -> 8-14 ms). It replaces SQLite's index of the
unmerged calls' ids (0025), which it holds too. It also holds what the statuses read (withdrawn,
opening date): SQLite, choosing without statistics, takes it for the current calls too, and
without those it read each call's row (the open calls 14 -> 55 ms).

Revision ID: 0028_unmerged_calls_by_last_day
Revises: 0027_calls_in_sort_order
Create Date: 2026-12-07 19:45:00
"""

from alembic import op

revision = "0028_unmerged_calls_by_last_day"
down_revision = "0027_calls_in_sort_order"
branch_labels = None
depends_on = None

UNMERGED = "merged_into_id IS NULL"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    last_day = "coalesce(final_deadline, '9999-12-31'" + ("::date)" if postgres else ")")
    columns = f"({last_day}), withdrawn_at, opening_date, id"
    op.execute(f"CREATE INDEX ix_call_unmerged_last_day ON call ({columns}) WHERE {UNMERGED}")
    if not postgres:
        op.execute("DROP INDEX ix_call_unmerged")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE INDEX ix_call_unmerged ON call (id) WHERE {UNMERGED}")
    op.execute("DROP INDEX ix_call_unmerged_last_day")
