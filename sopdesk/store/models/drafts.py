"""Drafts: a playbook's message held for a person to review, edit and send (or discard).

Tables only; what may be sent and how is decided in sopdesk.engine.drafts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class Draft(Base):
    """A message a playbook step wrote but did not send: the step asks for review, or a value
    the macro needs is missing (`missing` names it; the body shows it as a gap to fill)."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_runs.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(200))
    macro: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(32))  # customer, partner, other-customer, team
    to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))  # review or missing-value
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting, sent, discarded
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    decision_note: Mapped[str | None] = mapped_column(Text)
