"""Connector calls: each call a playbook made, its request, its state and the answer.

Tables only; the answer's meaning is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class ConnectorCall(Base):
    """One `call` of a run. Its `idempotency_key` is the outbox row's: a receiver dedupes on
    it, and the handler answers a call only while it is `pending`, so nothing acts twice."""

    __tablename__ = "connector_calls"
    __table_args__ = (Index("ix_connector_calls_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(100))
    call: Mapped[str] = mapped_column(String(20))  # the call's number in the run
    connector: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # pending, ok, refused, failed
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
