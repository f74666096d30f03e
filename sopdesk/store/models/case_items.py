"""case_items: which line(s) of its order a case is about, and who chose them.

Tables only; the choice is made in sopdesk.domain.case_items and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class CaseItem(Base):
    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "item_id", name="uq_case_items_case_item"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("order_items.id", ondelete="CASCADE"), index=True
    )
    # "message" (named in the customer's message at intake) or "agent" (chosen on the case).
    chosen_by: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
