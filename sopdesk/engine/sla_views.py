"""Reading SLA clocks: a case's clocks as views, and the at-risk range scan the queue uses.

Nothing here writes; sopdesk.engine.sla moves the clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sopdesk.store.models import SlaClockRow


@dataclass(frozen=True)
class ClockView:
    metric: str
    policy: str
    state: str  # running, paused or stopped
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    consumed_seconds: float
    target_seconds: float
    warned: bool
    breached: bool
    stopped_at: datetime | None

    @classmethod
    def of(cls, row: SlaClockRow) -> ClockView:
        state = "stopped" if row.stopped_at else "running" if row.running_since else "paused"
        return cls(
            row.metric,
            row.policy,
            state,
            row.started_at,
            row.due_at,
            row.warn_at,
            row.consumed_seconds,
            row.target_seconds,
            row.warned,
            row.breached,
            row.stopped_at,
        )


def read_clocks(session: Session, case_id: int) -> list[ClockView]:
    rows = session.scalars(
        select(SlaClockRow).where(SlaClockRow.case_id == case_id).order_by(SlaClockRow.id)
    )
    return [ClockView.of(r) for r in rows]


def at_risk_query(now: datetime, until: datetime) -> Select[int, datetime | None]:
    """Running clocks due in (now, until] (earlier ones have breached): a range scan of an index."""
    return (
        select(SlaClockRow.case_id, SlaClockRow.due_at)
        .where(SlaClockRow.due_at > now, SlaClockRow.due_at <= until)
        .order_by(SlaClockRow.due_at)
    )
