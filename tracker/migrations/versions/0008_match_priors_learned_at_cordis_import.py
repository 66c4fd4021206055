"""match priors learned at the CORDIS import

The organisation-type priors (how much more often an eligibility type joins an action kind)
lifted the benchmark but production never computed them. `radar import-cordis --topics` now
learns them from the participations as the benchmark does and stores them here; the match
index reads them when it is fitted. The table starts empty: no priors until the next import.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matchprior",
        sa.Column("org_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("org_type", "kind"),
    )


def downgrade() -> None:
    op.drop_table("matchprior")
