"""Links between cases: related, merged into a survivor, split off from a message.

Tables only; what a link does is sopdesk.engine.case_links.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class CaseLinkRow(Base):
    """`case_id` → `other_id` of `kind`: "related" (either way round), "merged" (case_id was
    merged into other_id, the survivor), "split" (case_id was split off other_id)."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "other_id", "kind", name="uq_case_links"),
        Index("ix_case_links_other", "other_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(Id, ForeignKey("cases.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(Id, ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
