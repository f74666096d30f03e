"""case_items (which order lines a case is about), order_items.variant, orders.status and
orders.payment_methods

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_items",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("chosen_by", sa.String(length=20), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_items_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["order_items.id"],
            name=op.f("fk_case_items_item_id_order_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_items")),
        sa.UniqueConstraint("case_id", "item_id", name="uq_case_items_case_item"),
    )
    op.create_index(op.f("ix_case_items_case_id"), "case_items", ["case_id"])
    op.create_index(op.f("ix_case_items_item_id"), "case_items", ["item_id"])
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("variant", sa.String(length=200), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("status", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("payment_methods", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("payment_methods")
        batch.drop_column("status")
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("variant")
    op.drop_index(op.f("ix_case_items_item_id"), table_name="case_items")
    op.drop_index(op.f("ix_case_items_case_id"), table_name="case_items")
    op.drop_table("case_items")
