"""the calls still in play as a range of an index on SQLite too; the few withdrawn or merged
calls indexed alone; the types of action indexed

SQLite plans without statistics and prefers an equality to a range: it read the calls page's
"withdrawn_at IS NULL" as one in the index of `withdrawn_at`, so the page as it opens (the
current calls by their next deadline) read all 49,397 calls' wide rows for the 19,573 current
ones: 85 ms at 50,000 calls, the open calls alone 72 ms. The indexes of `withdrawn_at` and
`merged_into_id` now hold only the calls withdrawn or merged, which is all that is ever looked
up by them (a call listed again, a merge followed), and SQLite gets 0024's indexes of the live
calls by their last day: the page as it opens 25 ms, the open calls 10 ms. Calls of any status
are read from an index of the unmerged calls' ids instead of their rows.

The search form's choices of the type of action read every call's row on both engines
(PostgreSQL 33-54 ms, SQLite 64 ms, once a minute in each web worker): now an index (4-10 ms).

Revision ID: 0025_live_calls_on_sqlite
Revises: 0024_live_calls_by_last_day
Create Date: 2026-12-07 07:00:00
"""

from alembic import op

revision = "0025_live_calls_on_sqlite"
down_revision = "0024_live_calls_by_last_day"
branch_labels = None
depends_on = None

WHERE = "merged_into_id IS NULL AND withdrawn_at IS NULL"  # as 0024's
# tracker.queries.not_ended_clause, as SQLite is sent it (0024's with PostgreSQL's cast)
LAST_DAY = "coalesce(final_deadline, '9999-12-31')"
ONLY_SET = ("withdrawn_at", "merged_into_id")


def upgrade() -> None:
    for column in ONLY_SET:
        op.execute(f"DROP INDEX ix_call_{column}")
        op.execute(f"CREATE INDEX ix_call_{column} ON call ({column}) WHERE {column} IS NOT NULL")
    op.execute("CREATE INDEX ix_call_type_of_action ON call (type_of_action)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE INDEX ix_call_live_last_day"
            f" ON call ({LAST_DAY}, opening_date, id, final_deadline) WHERE {WHERE}"
        )
        op.execute(
            "CREATE INDEX ix_call_live_programme_last_day"
            f" ON call (programme, {LAST_DAY}, opening_date, id, final_deadline) WHERE {WHERE}"
        )
        op.execute("CREATE INDEX ix_call_unmerged ON call (id) WHERE merged_into_id IS NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("unmerged", "live_programme_last_day", "live_last_day"):
            op.execute(f"DROP INDEX ix_call_{name}")
    op.execute("DROP INDEX ix_call_type_of_action")
    for column in ONLY_SET:
        op.execute(f"DROP INDEX ix_call_{column}")
        op.execute(f"CREATE INDEX ix_call_{column} ON call ({column})")
