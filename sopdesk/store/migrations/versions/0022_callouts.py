"""insight: the callouts table (trend callouts by window and category) and the partial index of
triage decisions the triage-corrections report scans

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "callouts",
        sa.Column("id", Id, nullable=False),
        sa.Column("window", sa.String(length=10), nullable=False),
        sa.Column("window_start", When, nullable=False),
        sa.Column("window_end", When, nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("sd", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callouts")),
        sa.UniqueConstraint(
            "window",
            "window_start",
            "category",
            name=op.f("uq_callouts_window"),
        ),
    )
    op.create_index("ix_callouts_created", "callouts", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_reports_triaged",
        "case_events",
        ["at", "case_id"],
        sqlite_where=sa.text("kind = 'triage'"),
        postgresql_where=sa.text("kind = 'triage'"),
    )


def downgrade() -> None:
    op.drop_index("ix_reports_triaged", table_name="case_events")
    op.drop_index("ix_callouts_created", table_name="callouts")
    op.drop_table("callouts")
