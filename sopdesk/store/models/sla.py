"""SLA clocks of cases.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class SlaClockRow(Base):
    """One SLA clock of a case (first response, next response or resolution) under a policy.

    `due_at` is set only while the clock runs; `token` changes on every pause, resume and
    restart, so a timer written for an earlier stretch is recognised as stale and ignored.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("case_id", "metric", name="uq_sla_clock_metric"),
        # "At risk of breach in the next hour": a range scan over running clocks' due times.
        Index("ix_sla_clocks_due", "due_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    policy: Mapped[str] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(80))
    business: Mapped[bool] = mapped_column(Boolean, default=True)
    target_seconds: Mapped[float] = mapped_column(Float)
    warn_seconds: Mapped[float | None] = mapped_column(Float)
    consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime]
    running_since: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    breached_at: Mapped[datetime | None]
    token: Mapped[int] = mapped_column(Integer, default=0)
