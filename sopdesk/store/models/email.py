"""Message-IDs seen in and sent out, for threading and duplicate detection.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class EmailMessage(Base):
    """A Message-ID seen in or sent out, with the case event that recorded it.

    The unique `delivery_key` (Message-ID, sender and content hash, domain.mail_threading
    .delivery_key) makes duplicate detection a constraint, not a scan: of two concurrent
    deliveries of the same mail only one insert can commit. A Message-ID that another sender
    reuses is a new message, so the Message-ID itself is not unique.
    """

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    delivery_key: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
