"""a mail outbox, and a session generation per user

An email that cannot be sent now is kept as pending with its template context and retried by
`radar send-mail` (and the scheduler); a permanent refusal is marked failed with the server's
answer. Mails are counted per recipient and per requesting address from this table. Each user
has a session generation: a new password or a deactivation raises it and so ends the sessions
signed in before.

Revision ID: 0010_mail_outbox
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_mail_outbox"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("emaillog", schema=None) as batch_op:
        # Every message logged before was sent, in one attempt, when it was logged.
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="sent",
            )
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("requested_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.alter_column(
            "sent_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True
        )
    op.execute("UPDATE emaillog SET created_at = sent_at")
    with op.batch_alter_table("emaillog", schema=None) as batch_op:
        batch_op.alter_column(
            "created_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("attempts", server_default=None)
        batch_op.create_index("ix_emaillog_status", ["status"], unique=False)
        batch_op.create_index("ix_emaillog_recipient_at", ["recipient", "created_at"], unique=False)
        batch_op.create_index("ix_emaillog_ip_at", ["requested_ip", "created_at"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_generation", server_default=None)


def downgrade() -> None:
    # Messages never sent have no sent_at; the older schema knows only sent ones.
    op.execute("DELETE FROM emaillog WHERE sent_at IS NULL")
    with op.batch_alter_table("emaillog", schema=None) as batch_op:
        batch_op.drop_index("ix_emaillog_ip_at")
        batch_op.drop_index("ix_emaillog_recipient_at")
        batch_op.drop_index("ix_emaillog_status")
        batch_op.alter_column(
            "sent_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )
        for column in ("created_at", "requested_ip", "context", "last_error", "attempts", "status"):
            batch_op.drop_column(column)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
