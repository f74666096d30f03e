"""Bot conversations: one customer's chat with the support bot (the widget or the API), its
hand-off state and the case a hand-off opened or continued.

`state` is sopdesk.domain.handoff.ConversationState; `turns` the transcript as
`[{"who": "customer"|"bot"|"agent", "text", "at", "articles"}]`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class BotConversation(Base):
    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the widget's secret handle
    state: Mapped[str] = mapped_column(String(16))
    customer_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True
    )
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    articles: Mapped[list[str]] = mapped_column(JSON, default=list)  # slugs the bot cited
    unhelpful: Mapped[int] = mapped_column(Integer, default=0)  # answers the customer said No to
    handoff_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # the widget's last poll: it is open while this is recent
