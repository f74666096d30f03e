"""customer_audit: merges, unmerges, unlinked accounts, exports and erasures of customers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customer_audit",
        sa.Column("id", Id, nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("other_id", Id, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("undone_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_audit")),
    )
    op.create_index(
        "ix_customer_audit_customer", "customer_audit", ["customer_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_customer_audit_customer", table_name="customer_audit")
    op.drop_table("customer_audit")
