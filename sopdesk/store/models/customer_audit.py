"""What was done to a customer as a whole: merges (and their undoing), unlinked accounts,
exports and erasures. Rows are kept when the customer is erased (the audit of a data request).

Tables only; what they mean is decided in sopdesk.engine.customer_records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sopdesk.store.models.base import Base, Id


class CustomerAudit(Base):
    __tablename__ = "customer_audit"
    __table_args__ = (Index("ix_customer_audit_customer", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # No foreign key: the record outlives an erased customer.
    customer_id: Mapped[int] = mapped_column(Id)
    other_id: Mapped[int | None] = mapped_column(Id)  # the other account of a merge or link
    kind: Mapped[str] = mapped_column(String(20))  # merge, unmerge, unlink, export, erase
    actor_id: Mapped[int | None] = mapped_column(Id)
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime]
    # What undoing needs (a merge's moved identities, cases and orders), or counts kept.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None]
