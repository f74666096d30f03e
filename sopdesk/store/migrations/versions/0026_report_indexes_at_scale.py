"""reports at 1,000,000 cases: the partner-task index holds the task's case and id, so the shop
report reads the index alone (it fetched every task row: 26,000 random heap blocks, 0.9 s); on
SQLite the clocks by policy and metric, which the SLA report reads group by group (it sorted
2,000,000 clocks into a temporary B-tree: 3.9 s -> 0.5 s); bot conversations by their start
for the bot report (deflection and hand-offs)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_reports_tasks_opened"
# Written out (not imported from the models) so this migration never changes after the fact.
WHERE = "kind = 'playbook_step' AND body LIKE 'task for partner:%'"
GROUPS = "ix_reports_sla_groups"
BOT = "ix_reports_bot_started"  # the bot report: conversations by start, with the hand-off reason
GROUP_COLUMNS = ["policy", "metric", "started_at", "breached", "warned", "stopped_at"]


def _create(columns: list[str]) -> None:
    op.create_index(
        NAME,
        "case_events",
        columns,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def upgrade() -> None:
    op.drop_index(NAME, table_name="case_events")
    _create(["at", "case_id", "id"])
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(GROUPS, "sla_clocks", GROUP_COLUMNS)
    op.create_index(BOT, "bot_conversations", ["created_at", "handoff_reason"])


def downgrade() -> None:
    op.drop_index(BOT, table_name="bot_conversations")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(GROUPS, table_name="sla_clocks")
    op.drop_index(NAME, table_name="case_events")
    _create(["at"])
