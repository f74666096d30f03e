"""case_presence: which agents have a case open in the console (the collision notice)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sopdesk.store.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sopdesk.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_presence",
        sa.Column("case_id", Id, nullable=False),
        sa.Column("agent_id", Id, nullable=False),
        sa.Column("seen_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_case_presence_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_presence_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "agent_id", name=op.f("pk_case_presence")),
    )
    op.create_index("ix_case_presence_seen", "case_presence", ["case_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_case_presence_seen", table_name="case_presence")
    op.drop_table("case_presence")
