"""sla clocks and the offense kind of a case

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("offense", sa.String(length=80), nullable=True))
    op.create_table(
        "sla_clocks",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("calendar", sa.String(length=80), nullable=False),
        sa.Column("business", sa.Boolean(), nullable=False),
        sa.Column("target_seconds", sa.Float(), nullable=False),
        sa.Column("warn_seconds", sa.Float(), nullable=True),
        sa.Column("consumed_seconds", sa.Float(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("running_since", When, nullable=True),
        sa.Column("paused_at", When, nullable=True),
        sa.Column("stopped_at", When, nullable=True),
        sa.Column("due_at", When, nullable=True),
        sa.Column("warn_at", When, nullable=True),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("breached_at", When, nullable=True),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_sla_clocks_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clocks")),
        sa.UniqueConstraint("case_id", "metric", name="uq_sla_clock_metric"),
    )
    op.create_index("ix_sla_clocks_due", "sla_clocks", ["due_at", "case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_due", table_name="sla_clocks")
    op.drop_table("sla_clocks")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("offense")
