"""Playbook versions, runs on cases and the resolution ledger.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class PlaybookVersion(Base):
    """A playbook definition by its content hash; runs keep the version they started with."""

    __tablename__ = "playbook_versions"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class PlaybookRun(Base):
    """One run of a playbook on a case; `state` is the interpreter's RunState as JSON.

    `revision` is an optimistic lock (SQLAlchemy's version counter): every UPDATE bumps it and
    matches the revision it read, so a change made meanwhile by someone else is refused.
    """

    __tablename__ = "playbook_runs"
    __table_args__ = (
        Index("ix_playbook_runs_case", "case_id", "id"),
        Index("ix_playbook_runs_waiting", "status", "wait_until", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    playbook: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(ForeignKey("playbook_versions.hash"))
    status: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(100))
    waiting_for: Mapped[str | None] = mapped_column(String(200))
    wait_until: Mapped[datetime | None]
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": revision}


class LedgerEntry(Base):
    """A resolution in money or goods: refund, replacement, credit; and who pays for it."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("playbook_runs.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    paid_by: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
