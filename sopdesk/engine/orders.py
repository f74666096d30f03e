"""Orders, their items and shipments: bulk upsert by external reference, and reading one.

An upsert replaces an order's items and shipments with the ones sent, in one transaction; a
line sent again (same SKU and variant) keeps its row, so the cases about it keep their item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, EmailStr, Field, field_validator
from sqlalchemy import select

from sopdesk.domain.case_items import line_key, match_lines
from sopdesk.domain.connectors import OrderStatus
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.customers import ensure_customer, require_staff
from sopdesk.errors import InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import Order, OrderItem, Partner, Shipment

MAX_BATCH = 1000
Country = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class ItemIn(BaseModel):
    sku: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    variant: str | None = Field(default=None, max_length=200)  # size, grade, colour...
    value: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    # What the item is worth to the customer when it is made good (seed 000's "comp amount");
    # unknown when not given, and a macro that needs it then stops and asks a person.
    comp_value: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    quantity: int = Field(default=1, ge=1, le=100_000)


class ShipmentIn(BaseModel):
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    destination_country: str | None = Country


class OrderIn(BaseModel):
    external_ref: str = Field(min_length=1, max_length=100)
    customer_email: EmailStr | None = None
    customer_name: str = Field(default="", max_length=200)
    partner: str | None = Field(default=None, description="slug of the partner (shop)")
    placed_at: AwareDatetime
    destination_country: str | None = Country
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    # pending, processing, shipped, delivered, cancelled, returned, exchanged; unset: read
    # from the shipments. Connector answers (`call` steps) change it later.
    status: OrderStatus | None = None
    payment_methods: list[str] = Field(default_factory=list, max_length=10)
    shipping_address: str | None = Field(default=None, max_length=1000)
    items: list[ItemIn] = Field(default_factory=list, max_length=500)
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=50)

    @field_validator("destination_country", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class UpsertOrders(BaseModel):
    orders: list[OrderIn] = Field(min_length=1, max_length=MAX_BATCH)


@dataclass(frozen=True)
class OrderView:
    id: int
    external_ref: str
    customer_id: int | None
    partner_id: int | None
    placed_at: datetime
    destination_country: str | None
    currency: str
    total: Decimal
    items: list[dict[str, Any]]
    shipments: list[dict[str, Any]]

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            order.id,
            order.external_ref,
            order.customer_id,
            order.partner_id,
            order.placed_at,
            order.destination_country,
            order.currency,
            order.total,
            [
                {
                    "id": i.id,
                    "sku": i.sku,
                    "name": i.name,
                    "variant": i.variant,
                    "value": i.value,
                    "comp_value": i.comp_value,
                    "quantity": i.quantity,
                }
                for i in order.items
            ],
            [
                {
                    "carrier": s.carrier,
                    "tracking_number": s.tracking_number,
                    "shipped_at": s.shipped_at,
                    "delivered_at": s.delivered_at,
                    "destination_country": s.destination_country,
                }
                for s in order.shipments
            ],
        )


def check_upsert_orders(
    db: Database, principal: Principal, command: UpsertOrders
) -> dict[str, int]:
    """Validates a batch; returns partner ids by slug. Nothing is written if any order is bad."""
    require(principal, "orders.import")
    refs = [o.external_ref for o in command.orders]
    duplicates = sorted({r for r in refs if refs.count(r) > 1})
    if duplicates:
        raise InvalidInput(f"the batch lists these orders twice: {', '.join(duplicates[:10])}")
    slugs = {o.partner for o in command.orders if o.partner}
    with db.transaction(write=False) as session:
        partners = dict(
            session.execute(select(Partner.slug, Partner.id).where(Partner.slug.in_(slugs))).all()
        )
    errors = [
        {"loc": ["body", "orders", index, "partner"], "msg": f"unknown partner '{o.partner}'"}
        for index, o in enumerate(command.orders)
        if o.partner and o.partner not in partners
    ]
    if errors:
        raise InvalidInput(f"{len(errors)} order(s) name an unknown partner", errors=errors)
    return partners


def do_upsert_orders(
    db: Database, now: datetime, command: UpsertOrders, partners: dict[str, int]
) -> dict[str, int]:
    created = updated = 0
    with db.transaction() as session:
        refs = [o.external_ref for o in command.orders]
        existing = {
            o.external_ref: o
            for o in session.scalars(select(Order).where(Order.external_ref.in_(refs)))
        }
        for data in command.orders:
            customer_id = (
                ensure_customer(session, data.customer_email, data.customer_name, now)
                if data.customer_email
                else None
            )
            order = existing.get(data.external_ref)
            if order is None:
                order = Order(external_ref=data.external_ref, created_at=now)
                session.add(order)
                created += 1
            else:
                updated += 1
            order.customer_id = customer_id if customer_id is not None else order.customer_id
            order.partner_id = partners[data.partner] if data.partner else None
            order.placed_at = data.placed_at
            order.destination_country = data.destination_country
            order.currency = data.currency
            order.status = data.status
            order.payment_methods = list(data.payment_methods)
            order.shipping_address = data.shipping_address
            order.total = sum((i.value * i.quantity for i in data.items), Decimal("0"))
            order.updated_at = now
            order.items = _lines(order.items, data.items)
            order.shipments = [Shipment(**s.model_dump()) for s in data.shipments]
    return {"created": created, "updated": updated}


def _lines(stored: list[OrderItem], sent: list[ItemIn]) -> list[OrderItem]:
    """The order's lines after an upsert: a sent line with the SKU and variant of a stored one
    updates that row in place (so the cases about it keep their item), others are new rows."""
    matched = match_lines(
        [line_key(i.sku, i.variant) for i in stored], [line_key(i.sku, i.variant) for i in sent]
    )
    lines = []
    for index, item in zip(matched, sent, strict=True):
        if index is None:
            lines.append(OrderItem(**item.model_dump()))
            continue
        line = stored[index]
        for name, value in item.model_dump().items():
            setattr(line, name, value)
        lines.append(line)
    return lines


def get_order(db: Database, principal: Principal, ref_or_id: str) -> OrderView:
    require_staff(principal)
    with db.transaction(write=False) as session:
        query = select(Order).where(Order.external_ref == ref_or_id)
        order = session.scalar(query)
        if order is None and ref_or_id.isdigit():
            order = session.get(Order, int(ref_or_id))
        if order is None:
            raise NotFound(f"no order with reference or id '{ref_or_id}'")
        return OrderView.of(order)
