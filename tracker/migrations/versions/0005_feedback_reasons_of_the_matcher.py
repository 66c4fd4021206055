"""feedback reasons of the matcher

The matches form used to store its own reasons (not_our_field, not_eligible, no_capacity,
deadline), which scoring read as "other". They become the matcher's reasons.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RENAMED = {
    "not_our_field": "topic",
    "not_eligible": "eligibility",
    "no_capacity": "capacity",
    "deadline": "timing",
}
REASONS = ("topic", "budget", "timing", "eligibility", "capacity", "other")  # as of this revision


def upgrade() -> None:
    feedback = sa.table("feedback", sa.column("reason", sa.Text), sa.column("verdict", sa.String))
    for old, new in RENAMED.items():
        op.execute(feedback.update().where(feedback.c.reason == old).values(reason=new))
    unknown = feedback.c.reason.is_not(None) & feedback.c.reason.not_in(REASONS)
    op.execute(feedback.update().where(unknown).values(reason="other"))
    unstated = (feedback.c.verdict == "not_relevant") & feedback.c.reason.is_(None)
    op.execute(feedback.update().where(unstated).values(reason="other"))


def downgrade() -> None:
    feedback = sa.table("feedback", sa.column("reason", sa.Text))
    for old, new in RENAMED.items():
        op.execute(feedback.update().where(feedback.c.reason == new).values(reason=old))
