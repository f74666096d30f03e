"""reports: the indexes the reports scan (cases by creation, backlog, clocks, ledger, and partial
indexes on the timeline for escalations and partner tasks)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out (not imported from the models) so this migration never changes after the fact.
PARTIAL = {
    "ix_reports_escalations": (
        "kind = 'routing' AND json_extract(data, '$.from') IS NOT NULL",
        "kind = 'routing' AND (data ->> 'from') IS NOT NULL",
    ),
    "ix_reports_task_answers": (
        "kind = 'message_in' AND json_extract(data, '$.task_id') IS NOT NULL",
        "kind = 'message_in' AND (data ->> 'task_id') IS NOT NULL",
    ),
    "ix_reports_tasks_opened": (
        "kind = 'playbook_step' AND body LIKE 'task for partner:%'",
        "kind = 'playbook_step' AND body LIKE 'task for partner:%'",
    ),
}


def upgrade() -> None:
    op.create_index(
        "ix_reports_cases_created",
        "cases",
        ["created_at", "level", "category", "channel", "assignee_id", "partner_id"],
    )
    op.create_index("ix_reports_cases_backlog", "cases", ["status", "created_at", "level"])
    op.create_index(
        "ix_reports_sla_started",
        "sla_clocks",
        [
            "started_at",
            "metric",
            "policy",
            "breached",
            "warned",
            "stopped_at",
            "consumed_seconds",
        ],
    )
    op.create_index(
        "ix_reports_sla_spread",
        "sla_clocks",
        ["metric", "consumed_seconds", "started_at", "stopped_at"],
    )
    op.create_index("ix_reports_ledger_at", "ledger", ["at", "kind", "paid_by"])
    for name, (sqlite, postgres) in PARTIAL.items():
        op.create_index(
            name,
            "case_events",
            ["at"],
            sqlite_where=sa.text(sqlite),
            postgresql_where=sa.text(postgres),
        )


def downgrade() -> None:
    for name in reversed(PARTIAL):
        op.drop_index(name, table_name="case_events")
    op.drop_index("ix_reports_ledger_at", table_name="ledger")
    op.drop_index("ix_reports_sla_spread", table_name="sla_clocks")
    op.drop_index("ix_reports_sla_started", table_name="sla_clocks")
    op.drop_index("ix_reports_cases_backlog", table_name="cases")
    op.drop_index("ix_reports_cases_created", table_name="cases")
