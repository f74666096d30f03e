"""Cases, their append-only timeline and the files on it.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # Keyset pagination for the queue views: filter by status and level, then walk by
        # due time or priority with the id as tie-breaker.
        Index("ix_cases_queue_due", "status", "level", "due_at", "id"),
        Index("ix_cases_queue_priority", "status", "level", "priority_rank", "id"),
        Index("ix_cases_assignee", "assignee_id", "status", "id"),
        Index("ix_cases_category", "category", "id"),
        Index("ix_cases_column", "board_column", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    offense: Mapped[str | None] = mapped_column(String(80))  # offense kind, fixed at creation
    level: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    priority_rank: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(30), default="new")
    board_column: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Level-4 signals (fraud, chargeback, legal threat, injury, foreign object): set at intake or
    # later by an agent; the escalation matrix routes on them.
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="en")
    desk_version: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Customer links issued up to this instant no longer open the case (an agent revoked them).
    links_revoked_at: Mapped[datetime | None]


class CaseEvent(Base):
    """One entry of a case's timeline. Rows are only ever inserted, never updated."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Id)
    channel: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attachment(Base):
    """A file on a timeline event; the bytes live on disk under their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
