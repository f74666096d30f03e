"""Orders, their items and shipments: the commerce facts SOPs reason about.

Tables only; what they mean is decided in sopdesk.domain and applied in sopdesk.engine.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sopdesk.store.models.base import Base, Id


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime]
    destination_country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    # As the shop's system reports it (pending, shipped, delivered, cancelled...); None: unknown.
    status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    refund_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    shipping_address: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    # Size, colour, grade... what tells two lines of the same product apart; None: no variant.
    variant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # What the desk credits when the item is lost (a card's comp value); None: unknown.
    comp_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped[Order] = relationship(back_populates="items")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100), index=True)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    destination_country: Mapped[str | None] = mapped_column(String(2))

    order: Mapped[Order] = relationship(back_populates="shipments")
