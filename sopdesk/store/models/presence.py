"""Who has a case open in the console right now: one row per (case, agent), its heartbeat.

Kept in the database (not in memory) so every process of `serve --workers N` sees the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class CasePresence(Base):
    __tablename__ = "case_presence"
    __table_args__ = (Index("ix_case_presence_seen", "case_id", "seen_at"),)

    case_id: Mapped[int] = mapped_column(
        Id, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime]
