"""Insight: the trend callouts the hourly and daily jobs found (one row per category and window).

Tables only; the test is sopdesk.domain.trends, the jobs are sopdesk.engine.callouts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class Callout(Base):
    """A category that spiked in one window: its count against the usual, the words that
    explain it and the cases. Unique per window and category, so a job that fires twice for
    the same window (a crash, two workers) never calls the same spike out twice."""

    __tablename__ = "callouts"
    __table_args__ = (
        UniqueConstraint("window", "window_start", "category"),
        Index("ix_callouts_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    window: Mapped[str] = mapped_column(String(10))  # "hour" or "day"
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    category: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    sd: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    # [{"term": "welcome10", "cases": 30, "baseline_share": 0.01}], most used first
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the spike's cases
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
