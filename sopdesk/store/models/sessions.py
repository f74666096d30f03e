"""Console sessions kept server-side: the cookie carries a random id, the table its owner.

Tables only; signing in, out and ending an agent's sessions is sopdesk.engine.console_sessions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base


class ConsoleSession(Base):
    """A signed-in browser: an agent's or a partner user's. Only the id's SHA-256 is stored."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    partner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
