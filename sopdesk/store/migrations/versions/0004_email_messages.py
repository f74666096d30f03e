"""email_messages: Message-IDs of mail in and out, unique, for duplicate detection and threading

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_messages",
        sa.Column("id", Id, nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("event_id", Id, nullable=True),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_email_messages_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["case_events.id"],
            name=op.f("fk_email_messages_event_id_case_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_email_messages_message_id")),
    )
    op.create_index(op.f("ix_email_messages_case_id"), "email_messages", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_email_messages_event_id"), "email_messages", ["event_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_email_messages_event_id"), table_name="email_messages")
    op.drop_index(op.f("ix_email_messages_case_id"), table_name="email_messages")
    op.drop_table("email_messages")
