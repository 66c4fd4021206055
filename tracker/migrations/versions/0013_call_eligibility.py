"""eligibility index: each country, region and organisation type a call's eligibility names

"Eligible for my organisation" becomes a query at any size instead of reading every call's
eligibility into Python. Filled here from the stored calls; kept by every ingest.

Revision ID: 0013_call_eligibility
Revises: 0012_participations
Create Date: 2026-11-29 12:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013_call_eligibility"
down_revision = "0012_participations"
branch_labels = None
depends_on = None

KINDS = {"countries": "country", "regions": "region", "organisation_types": "org_type"}
VALUE_CHARS = 40


def upgrade() -> None:
    index = op.create_table(
        "calleligibility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=VALUE_CHARS), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calleligibility_call_id", "calleligibility", ["call_id"])
    op.create_index(
        "ix_calleligibility_kind_value_call", "calleligibility", ["kind", "value", "call_id"]
    )
    call = sa.table("call", sa.column("id", sa.Integer), sa.column("eligibility", sa.JSON))
    bind = op.get_bind()
    rows = [
        {"call_id": call_id, "kind": kind, "value": value}
        for call_id, rules in bind.execute(sa.select(call.c.id, call.c.eligibility))
        for key, kind in KINDS.items()
        for value in sorted({str(v) for v in (rules or {}).get(key) or ()})
        if len(value) <= VALUE_CHARS
    ]
    if rows:
        bind.execute(index.insert(), rows)


def downgrade() -> None:
    op.drop_index("ix_calleligibility_kind_value_call", table_name="calleligibility")
    op.drop_index("ix_calleligibility_call_id", table_name="calleligibility")
    op.drop_table("calleligibility")
