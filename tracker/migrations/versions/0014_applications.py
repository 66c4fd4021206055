"""applications of actors to calls, and the history of their changes

An application links an actor to a stored call or to one typed in by hand, with its role,
consortium partners, responsible staff member, requested and granted EU contribution (BIGINT),
regional preparation funding, notes, document links and its stage (tracker/applications.py).
Every change is an applicationevent row with who and when. Two new tables, nothing else touched.

Revision ID: 0014_applications
Revises: 0013_call_eligibility
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014_applications"
down_revision = "0013_call_eligibility"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("call_title", sa.Text(), nullable=True),
        sa.Column("call_programme", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("call_deadline", sa.Date(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("requested_eur", sa.BigInteger(), nullable=True),
        sa.Column("granted_eur", sa.BigInteger(), nullable=True),
        sa.Column("regional_funding_applied", sa.Boolean(), nullable=False),
        sa.Column("regional_funding_received", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("evaluation_score", sa.Float(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index("ix_application_actor_stage", ["actor_id", "stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_stage"), ["stage"], unique=False)

    op.create_table(
        "applicationevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("field_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("applicationevent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applicationevent_application_at", ["application_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("applicationevent", schema=None) as batch_op:
        batch_op.drop_index("ix_applicationevent_application_at")

    op.drop_table("applicationevent")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_stage"))
        batch_op.drop_index(batch_op.f("ix_application_staff_id"))
        batch_op.drop_index(batch_op.f("ix_application_call_id"))
        batch_op.drop_index("ix_application_actor_stage")

    op.drop_table("application")
