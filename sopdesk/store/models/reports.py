"""Indexes the reports read (no tables): each report scans one of these, never the whole table.

Partial indexes keep the rare timeline entries a report needs (escalations, partner answers,
partner tasks) apart from the millions of other events; their predicates are written once here,
per dialect, and the report queries repeat them word for word so both planners can use them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, text

from sopdesk.store.models.bot import BotConversation
from sopdesk.store.models.cases import Case, CaseEvent
from sopdesk.store.models.playbooks import LedgerEntry
from sopdesk.store.models.sla import SlaClockRow

# Report predicates, per dialect: (sqlite, postgresql).
# `{t}` is where a query puts its table alias ("e." for `case_events AS e`).
ESCALATION = (
    "{t}kind = 'routing' AND json_extract({t}data, '$.from') IS NOT NULL",
    "{t}kind = 'routing' AND ({t}data ->> 'from') IS NOT NULL",
)
TASK_ANSWER = (
    "{t}kind = 'message_in' AND json_extract({t}data, '$.task_id') IS NOT NULL",
    "{t}kind = 'message_in' AND ({t}data ->> 'task_id') IS NOT NULL",
)
TASK_OPENED = (
    "{t}kind = 'playbook_step' AND {t}body LIKE 'task for partner:%'",
    "{t}kind = 'playbook_step' AND {t}body LIKE 'task for partner:%'",
)

TRIAGED = ("{t}kind = 'triage'", "{t}kind = 'triage'")


def predicate_words(pair: tuple[str, str], dialect: str, alias: str = "") -> str:
    """A report predicate in the words of `dialect`, its columns qualified by `alias`."""
    words = pair[0] if dialect == "sqlite" else pair[1]
    return words.format(t=f"{alias}." if alias else "")


def _partial(name: str, pair: tuple[str, str], *columns: Any) -> Index:
    return Index(
        name,
        *columns,
        sqlite_where=text(predicate_words(pair, "sqlite")),
        postgresql_where=text(predicate_words(pair, "postgresql")),
    )


REPORT_INDEXES = (
    # Volume by day, category, level and channel: an index-only range scan over created_at.
    Index(
        "ix_reports_cases_created",
        Case.created_at,
        Case.level,
        Case.category,
        Case.channel,
        Case.assignee_id,
        Case.partner_id,
    ),
    # Backlog by age: open statuses, then age.
    Index("ix_reports_cases_backlog", Case.status, Case.created_at, Case.level),
    # SLA attainment and the response/resolution distributions: clocks started in a period.
    Index(
        "ix_reports_sla_started",
        SlaClockRow.started_at,
        SlaClockRow.metric,
        SlaClockRow.policy,
        SlaClockRow.breached,
        SlaClockRow.warned,
        SlaClockRow.stopped_at,
        SlaClockRow.consumed_seconds,
    ),
    # The percentiles on SQLite: clocks of a metric in the order of their duration.
    Index(
        "ix_reports_sla_spread",
        SlaClockRow.metric,
        SlaClockRow.consumed_seconds,
        SlaClockRow.started_at,
        SlaClockRow.stopped_at,
    ),
    Index("ix_reports_ledger_at", LedgerEntry.at, LedgerEntry.kind, LedgerEntry.paid_by),
    _partial("ix_reports_escalations", ESCALATION, CaseEvent.at),
    _partial("ix_reports_task_answers", TASK_ANSWER, CaseEvent.at),
    # Partner tasks: with their case and id, so the shop report reads this index alone.
    _partial("ix_reports_tasks_opened", TASK_OPENED, CaseEvent.at, CaseEvent.case_id, CaseEvent.id),
    # Bot deflection and hand-offs: conversations by when they started, with the reason.
    Index("ix_reports_bot_started", BotConversation.created_at, BotConversation.handoff_reason),
    # Triage corrections: the one triage decision of each case, by when it was made.
    _partial("ix_reports_triaged", TRIAGED, CaseEvent.at, CaseEvent.case_id),
)

# On SQLite only (migration 0026): the clocks by policy and metric, which the SLA report reads
# group by group (engine/report_sql.grouped_rows: the groups by index look-ups, each group a
# range) instead of sorting every clock of the period into a temporary B-tree (3.9 s -> 0.5 s
# at 1,000,000 cases, with or without ANALYZE statistics). PostgreSQL groups the clocks in one
# parallel pass instead; it would only pay for the index on every write.
SQLITE_ONLY_INDEXES = {
    "ix_reports_sla_groups": (
        "sla_clocks",
        ("policy", "metric", "started_at", "breached", "warned", "stopped_at"),
    ),
}


def is_sqlite_only_index(name: str | None) -> bool:
    """True for an index the migrations build on SQLite only (no model declares it)."""
    return name in SQLITE_ONLY_INDEXES
