"""CORDIS participations: whom to apply with, and the region's funding before the service

Every row of the last `radar import-cordis` (project, topic, its theme series and programme
part, organisation, role, EU contribution), read by the partner suggestions of a call's page
and by the baseline of the region's direct EU funding. The table starts empty: it is filled
by the next import.

Revision ID: 0012_participations
Revises: 0011_calls_that_end
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_participations"
down_revision = "0011_calls_that_end"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "cordisparticipation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", _text(50), nullable=False),
        sa.Column("topic_id", _text(200), nullable=True),
        sa.Column("series", _text(200), nullable=True),
        sa.Column("programme_part", _text(200), nullable=True),
        sa.Column("call_year", sa.Integer(), nullable=True),
        sa.Column("pic", _text(9), nullable=False),
        sa.Column("name", _text(300), nullable=False),
        sa.Column("country", _text(2), nullable=False),
        sa.Column("nuts3", _text(5), nullable=True),
        sa.Column("activity_type", _text(10), nullable=False),
        sa.Column("role", _text(30), nullable=False),
        sa.Column("ec_contribution_eur", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cordisparticipation_project_id", "cordisparticipation", ["project_id"], unique=False
    )
    op.create_index("ix_cordisparticipation_nuts3", "cordisparticipation", ["nuts3"], unique=False)
    op.create_index(
        "ix_cordisparticipation_series_pic", "cordisparticipation", ["series", "pic"], unique=False
    )
    op.create_index(
        "ix_cordisparticipation_part_pic",
        "cordisparticipation",
        ["programme_part", "pic"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("cordisparticipation")
