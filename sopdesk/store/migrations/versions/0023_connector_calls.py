"""connector_calls, and orders.refund_ref / shipping_address that connectors change

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("refund_ref", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("shipping_address", sa.String(length=1000), nullable=True))
    op.create_table(
        "connector_calls",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("run_id", Id, nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("call", sa.String(length=20), nullable=False),
        sa.Column("connector", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("answered_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_connector_calls_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["playbook_runs.id"],
            name=op.f("fk_connector_calls_run_id_playbook_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_calls")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_connector_calls_idempotency_key")),
    )
    op.create_index("ix_connector_calls_case", "connector_calls", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_connector_calls_case", table_name="connector_calls")
    op.drop_table("connector_calls")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipping_address")
        batch.drop_column("refund_ref")
