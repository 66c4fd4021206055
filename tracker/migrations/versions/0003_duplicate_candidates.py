"""duplicate candidates, merged calls, unbounded programme part and type of action

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:05:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        for name in ("programme_part", "type_of_action"):
            batch_op.alter_column(name, type_=sa.Text(), existing_type=sa.String(length=300))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_call_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_call_merged_into_id_call", "call", ["merged_into_id"], ["id"]
        )
    op.create_table(
        "duplicatecandidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "other_id"),
    )
    with op.batch_alter_table("duplicatecandidate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicatecandidate_call_id"), ["call_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_duplicatecandidate_other_id"), ["other_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_duplicatecandidate_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("duplicatecandidate")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint("fk_call_merged_into_id_call", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_call_merged_into_id"))
        batch_op.drop_column("merged_into_id")
        for name in ("programme_part", "type_of_action"):
            batch_op.alter_column(name, type_=sa.String(length=300), existing_type=sa.Text())
