"""Durable work: timers and the outbox the worker delivers.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class Timer(Base):
    """A durable timer: fires once at `due_at`, claimed by exactly one worker."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "due_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A side effect written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
