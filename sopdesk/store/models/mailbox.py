"""The demo mailbox: outgoing mail and chat posts kept in a table instead of being sent.

Written by the `mailbox` mail transport (SOPDESK_MAIL_TRANSPORT=mailbox, what `make run` uses).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class MailboxMessage(Base):
    """One message the desk would have sent: an e-mail (with its MIME source) or a chat post."""

    __tablename__ = "mailbox_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "email" or "chat"
    key: Mapped[str] = mapped_column(String(300), unique=True)  # Message-ID or outbox key
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
