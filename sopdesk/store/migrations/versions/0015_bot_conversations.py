"""bot_conversations: a customer's chat with the support bot and its hand-off state

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bot_conversations",
        sa.Column("id", Id, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("customer_email", sa.String(length=320), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("articles", sa.JSON(), nullable=False),
        sa.Column("unhelpful", sa.Integer(), nullable=False),
        sa.Column("handoff_reason", sa.String(length=40), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("last_seen_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_bot_conversations_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_conversations")),
        sa.UniqueConstraint("token", name=op.f("uq_bot_conversations_token")),
    )
    with op.batch_alter_table("bot_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bot_conversations_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bot_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_conversations_case_id"))
    op.drop_table("bot_conversations")
