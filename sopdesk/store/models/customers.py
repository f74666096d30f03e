"""Customers, their identities (e-mail, phone, address) and the links between accounts.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sopdesk.store.models.base import Base, Id


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10), default="en")
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )


class CustomerIdentity(Base):
    """One way to recognise a customer: an e-mail, a phone number, a postal address."""

    __tablename__ = "customer_identities"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "normalized", name="uq_identity_per_customer"),
        Index("ix_identity_lookup", "kind", "normalized"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500))
    normalized: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="identities")


class CustomerLink(Base):
    """Two customer accounts known to be one person, and why (the escalation matrix asks)."""

    __tablename__ = "customer_links"
    __table_args__ = (UniqueConstraint("customer_id", "linked_id", name="uq_customer_link"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    linked_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
