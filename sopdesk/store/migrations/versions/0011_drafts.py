"""drafts: playbook messages held for review or for a missing value

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("run_id", Id, nullable=True),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("macro", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("to", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("decided_at", When, nullable=True),
        sa.Column("decided_by", Id, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_drafts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["playbook_runs.id"],
            name=op.f("fk_drafts_run_id_playbook_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["agents.id"],
            name=op.f("fk_drafts_decided_by_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    op.create_index("ix_drafts_case_status", "drafts", ["case_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_drafts_case_status", table_name="drafts")
    op.drop_table("drafts")
