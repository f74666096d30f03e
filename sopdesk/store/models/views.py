"""Saved queue views: an agent's named set of queue filters (the query string of the queue).

Tables only; the queue page (sopdesk.web.ui.queue_views) reads and writes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class SavedView(Base):
    """One agent's saved queue view: a name and the queue's query string."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("agent_id", "name", name="uq_saved_views_agent_name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]
