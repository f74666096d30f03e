"""email_messages.delivery_key: a duplicate is the same Message-ID from the same sender with the
same content; another sender reusing a Message-ID is a new message

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 02:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("email_messages") as batch:
        batch.add_column(sa.Column("delivery_key", sa.String(length=64), nullable=True))
    # Rows from before carry no sender or content hash: each keeps a key of its own, so a
    # redelivery of a mail received before the upgrade is stored once more, never refused.
    op.execute("UPDATE email_messages SET delivery_key = 'before-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("email_messages") as batch:
        batch.alter_column("delivery_key", existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint("uq_email_messages_message_id", type_="unique")
        batch.create_unique_constraint("uq_email_messages_delivery_key", ["delivery_key"])
        batch.create_index("ix_email_messages_message_id", ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_messages") as batch:
        batch.drop_index("ix_email_messages_message_id")
        batch.drop_constraint("uq_email_messages_delivery_key", type_="unique")
        batch.create_unique_constraint("uq_email_messages_message_id", ["message_id"])
        batch.drop_column("delivery_key")
