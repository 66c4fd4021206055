"""the calls still in play by the day they close, a call without one last (PostgreSQL)

"Not closed" was "no final deadline, or a final deadline not yet past": two conditions that no
index reads as one range, so 0021's and 0022's indexes were read whole and filtered. At 50,000
calls the open Horizon Europe ones are 3,283 of the programme's 34,316 live calls, and the text
query "kiertotalous" with those two filters spent 4-5 ms of its 11 ms there. The condition is
now one comparison, `coalesce(final_deadline, '9999-12-31') >= today` (tracker.queries), and
these indexes hold that expression: the open calls are one range (the same query 5 ms). The
plain `final_deadline` is kept in them so that PostgreSQL can still answer from the index alone.
SQLite looks the words' hits up one by one (0018) and reads its covering index of the dates
(0004) for the filters alone; it needs no new index.

Revision ID: 0024_live_calls_by_last_day
Revises: 0023_call_last_seen_of_sources
Create Date: 2026-12-07 03:40:00
"""

from alembic import op

revision = "0024_live_calls_by_last_day"
down_revision = "0023_call_last_seen_of_sources"
branch_labels = None
depends_on = None

WHERE = "merged_into_id IS NULL AND withdrawn_at IS NULL"  # as 0021's and 0022's
LAST_DAY = "coalesce(final_deadline, '9999-12-31'::date)"  # tracker.queries.not_ended_clause


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_call_live_dates")
        op.execute("DROP INDEX ix_call_live_programme")
        op.execute(
            "CREATE INDEX ix_call_live_last_day"
            f" ON call ({LAST_DAY}, opening_date, id, final_deadline) WHERE {WHERE}"
        )
        op.execute(
            "CREATE INDEX ix_call_live_programme_last_day"
            f" ON call (programme, {LAST_DAY}, opening_date, id, final_deadline) WHERE {WHERE}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_call_live_programme_last_day")
        op.execute("DROP INDEX ix_call_live_last_day")
        op.execute(
            "CREATE INDEX ix_call_live_programme"
            f" ON call (programme, final_deadline, opening_date, id) WHERE {WHERE}"
        )
        op.execute(
            f"CREATE INDEX ix_call_live_dates ON call (final_deadline, opening_date, id) WHERE {WHERE}"
        )
