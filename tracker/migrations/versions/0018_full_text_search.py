"""full-text search: each call's terms, indexed by FTS5 on SQLite and a GIN tsvector on PostgreSQL

The terms are a call's texts as the matcher reads them (matcher.search_terms): Finnish words
by their base forms, roots and English senses, English words by their stems. SQLite indexes
them in the FTS5 table `callsearch_fts`, kept by triggers; PostgreSQL in the tsvector column
`document` computed from them, with a GIN index. Identifiers are searched by prefix on
indexes of their lower case. Filled here for the calls already stored, in batches; kept by
every ingest.

Revision ID: 0018_full_text_search
Revises: 0017_every_deadline_indexed
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

from matcher.search_terms import DOCUMENT_FIELDS, document

revision = "0018_full_text_search"
down_revision = "0017_every_deadline_indexed"
branch_labels = None
depends_on = None

BATCH = 500
CALL = sa.table(
    "call",
    sa.column("id", sa.Integer),
    *(sa.column(name, sa.JSON if name == "keywords" else sa.Text) for name in DOCUMENT_FIELDS),
)
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE callsearch_fts USING fts5(title, body, content='callsearch', "
    "content_rowid='call_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER callsearch_insert AFTER INSERT ON callsearch BEGIN "
    "INSERT INTO callsearch_fts(rowid, title, body) VALUES (new.call_id, new.title, new.body); "
    "END",
    "CREATE TRIGGER callsearch_delete AFTER DELETE ON callsearch BEGIN "
    "INSERT INTO callsearch_fts(callsearch_fts, rowid, title, body) "
    "VALUES ('delete', old.call_id, old.title, old.body); END",
    "CREATE TRIGGER callsearch_update AFTER UPDATE ON callsearch BEGIN "
    "INSERT INTO callsearch_fts(callsearch_fts, rowid, title, body) "
    "VALUES ('delete', old.call_id, old.title, old.body); "
    "INSERT INTO callsearch_fts(rowid, title, body) VALUES (new.call_id, new.title, new.body); "
    "END",
)
POSTGRES_INDEX = (
    "ALTER TABLE callsearch ADD COLUMN document tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED",
    "CREATE INDEX ix_callsearch_document ON callsearch USING gin (document)",
    "CREATE INDEX ix_call_identifier_prefix ON call (lower(identifier) text_pattern_ops)",
    "CREATE INDEX ix_call_call_identifier_prefix ON call (lower(call_identifier) text_pattern_ops)",
)
SQLITE_PREFIX = (
    "CREATE INDEX ix_call_identifier_prefix ON call (lower(identifier))",
    "CREATE INDEX ix_call_call_identifier_prefix ON call (lower(call_identifier))",
)


def upgrade() -> None:
    search = op.create_table(
        "callsearch",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.PrimaryKeyConstraint("call_id"),
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for statement in POSTGRES_INDEX if postgres else SQLITE_INDEX + SQLITE_PREFIX:
        bind.exec_driver_sql(statement)
    _fill(bind, search)


def _fill(bind: sa.Connection, search: sa.Table) -> None:
    """The terms of every stored call, BATCH calls at a time."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(CALL).where(CALL.c.id > last).order_by(CALL.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            terms = document(**{name: getattr(row, name) for name in DOCUMENT_FIELDS})
            values.append({"call_id": row.id, "title": terms.title, "body": terms.body})
        bind.execute(search.insert(), values)
        last = rows[-1].id


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_call_call_identifier_prefix", table_name="call")
    op.drop_index("ix_call_identifier_prefix", table_name="call")
    if bind.dialect.name == "sqlite":
        for name in ("callsearch_insert", "callsearch_delete", "callsearch_update"):
            bind.exec_driver_sql(f"DROP TRIGGER {name}")
        bind.exec_driver_sql("DROP TABLE callsearch_fts")
    op.drop_table("callsearch")
