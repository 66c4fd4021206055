"""indexes that another index of the same table begins with, dropped

Every lookup by `final_deadline` alone is also a lookup in 0004's index of (final_deadline,
opening_date), one by `programme` in 0004's (programme, opening_date, final_deadline), a call's
versions in the unique (call_id, number) and its themes in the unique (call_id, theme). Those
four single-column indexes only cost writes: each call stored by an ingest updated them too.

Revision ID: 0026_redundant_indexes
Revises: 0025_live_calls_on_sqlite
Create Date: 2026-12-07 19:30:00
"""

from alembic import op

revision = "0026_redundant_indexes"
down_revision = "0025_live_calls_on_sqlite"
branch_labels = None
depends_on = None

DROPPED = {  # index: (table, column)
    "ix_call_final_deadline": ("call", "final_deadline"),
    "ix_call_programme": ("call", "programme"),
    "ix_callversion_call_id": ("callversion", "call_id"),
    "ix_calltheme_call_id": ("calltheme", "call_id"),
}


def upgrade() -> None:
    for name, (table, _column) in DROPPED.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, column) in DROPPED.items():
        op.create_index(name, table, [column])
