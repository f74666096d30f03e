"""mailbox_messages (the demo mailbox) and saved_views (an agent's saved queue views)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mailbox_messages",
        sa.Column("id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_mailbox_messages_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_mailbox_messages_key")),
    )
    op.create_index(
        op.f("ix_mailbox_messages_case_id"), "mailbox_messages", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_mailbox_messages_created_at"), "mailbox_messages", ["created_at"], unique=False
    )
    op.create_table(
        "saved_views",
        sa.Column("id", Id, nullable=False),
        sa.Column("agent_id", Id, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_saved_views_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("agent_id", "name", name="uq_saved_views_agent_name"),
    )
    op.create_index(op.f("ix_saved_views_agent_id"), "saved_views", ["agent_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_views_agent_id"), table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_index(op.f("ix_mailbox_messages_created_at"), table_name="mailbox_messages")
    op.drop_index(op.f("ix_mailbox_messages_case_id"), table_name="mailbox_messages")
    op.drop_table("mailbox_messages")
