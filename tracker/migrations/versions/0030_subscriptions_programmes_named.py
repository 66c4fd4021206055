"""Subscriptions' programmes named as the calls are now stored

Since 0029 a programme is stored under F&T's name whichever source gave it ("Erasmus+" ->
"Erasmus+ (ERASMUS+)", scrapers.ft_codes.programme_named). A public subscription that chose
the old name would find none of that programme's calls, silently; a saved search's query string
names it too (the calls page reads the old name as the new one, but would not say the search
is saved). Both are renamed here; everything else about a subscription is kept as it was.

Revision ID: 0030_subscriptions_named
Revises: 0029_euro_access_read_again
Create Date: 2026-12-08 04:30:00
"""

import json
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from alembic import op

from scrapers.ft_codes import programme_named

revision = "0030_subscriptions_named"
down_revision = "0029_euro_access_read_again"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, programmes, query FROM subscription")).all()
    update = sa.text(
        "UPDATE subscription SET programmes = :programmes, query = :query WHERE id = :id"
    )
    for row_id, programmes, query in rows:
        stored = json.loads(programmes) if isinstance(programmes, str) else programmes
        names = list(stored or [])  # JSON null, as SQLAlchemy writes None, is no programme
        named = list(dict.fromkeys(programme_named(name) for name in names))
        renamed = _query(query)
        if named != names or renamed != query:
            bind.execute(update, {"id": row_id, "programmes": json.dumps(named), "query": renamed})


def _query(query: str | None) -> str | None:
    """A saved search's query string with its programme renamed, encoded as the calls page
    encodes it; unchanged when it names no programme, or F&T's."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    named = [(k, programme_named(v) if k == "programme" and v else v) for k, v in pairs]
    return urlencode(named) if named != pairs else query


def downgrade() -> None:
    """Nothing to undo: the old names find the old values no longer stored."""
