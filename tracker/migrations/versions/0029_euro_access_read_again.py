"""euro-access's detail pages read again, for programmes named as F&T names them

euro-access reads a call's detail page only when its row in the list changes (the rows'
fingerprints are kept in its source state). Its calls stored before programme names were
mapped to F&T's ("Erasmus+" -> "Erasmus+ (ERASMUS+)", scrapers.ft_codes.programme_named) would
keep the old name until then, and the calls page would offer both. Forgetting the rows' finger-
prints makes the next run read every detail page again (some 140, at the source's pace); its
other state (validators) is kept.

Revision ID: 0029_euro_access_read_again
Revises: 0028_unmerged_calls_by_last_day
Create Date: 2026-12-08 02:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0029_euro_access_read_again"
down_revision = "0028_unmerged_calls_by_last_day"
branch_labels = None
depends_on = None

SOURCE = {"source": "euro_access"}


def upgrade() -> None:
    bind = op.get_bind()
    stored = bind.execute(
        sa.text("SELECT data FROM sourcestate WHERE source = :source"), SOURCE
    ).scalar()
    if stored is None:
        return
    data = json.loads(stored) if isinstance(stored, str) else dict(stored)
    if data.pop("rows", None) is not None:
        bind.execute(
            sa.text("UPDATE sourcestate SET data = :data WHERE source = :source"),
            {**SOURCE, "data": json.dumps(data)},
        )


def downgrade() -> None:
    """Nothing to undo: the rows' fingerprints are gathered again by the next run."""
