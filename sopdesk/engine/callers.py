"""Finding the customer on the line when an agent opens a case for a call or a walk-in: by
e-mail, by phone in any form the desk reads, or by name, with the orders of each match.

Read-only; the case itself is created by engine/new_cases (CreateCase with customer_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.identity import identity_form
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_staff
from sopdesk.engine.customers import customer_by_phone, phone_region
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Customer, Order

MAX_MATCHES = 10
MAX_ORDERS = 20


@dataclass(frozen=True)
class OrderChoice:
    """One of the customer's orders, as the agent reads it out to the caller."""

    external_ref: str
    placed_at: datetime
    total: str
    items: str
    # Each line as (id, "name (sku)"): the agent ticks the one(s) the call is about.
    lines: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class CallerMatch:
    id: int
    name: str
    email: str | None
    phone: str | None
    orders: list[OrderChoice]


def _orders(session: Session, customer_id: int) -> list[OrderChoice]:
    rows = session.scalars(
        select(Order)
        .where(Order.customer_id == customer_id)
        .options(selectinload(Order.items))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(MAX_ORDERS)
    )
    return [
        OrderChoice(
            o.external_ref,
            o.placed_at,
            f"{o.total} {o.currency}",
            ", ".join(i.name for i in o.items[:3]) + (" …" if len(o.items) > 3 else ""),
            tuple((i.id, f"{i.name} ({i.sku})") for i in o.items),
        )
        for o in rows
    ]


def _match(session: Session, customer: Customer) -> CallerMatch:
    return CallerMatch(
        customer.id,
        customer.name,
        customer.email,
        customer.phone,
        _orders(session, customer.id),
    )


def find_callers(db: Database, principal: Principal, desk: Desk, query: str) -> list[CallerMatch]:
    """Customers matching what the caller said: an e-mail (exact), a phone number (its normal
    form), an order reference, else a part of the name; at most MAX_MATCHES."""
    require_staff(principal)
    text = query.strip()[:200]
    if not text:
        return []
    with db.transaction(write=False) as session:
        ids: list[int] = []
        if "@" in text:
            try:
                email = identity_form(IdentityKind.EMAIL, text, None)
            except InvalidInput:
                email = text.lower()
            ids = list(session.scalars(select(Customer.id).where(Customer.email == email)))
        else:
            ids = _by_phone(session, desk, text)
            order_owner = session.scalar(
                select(Order.customer_id).where(Order.external_ref == text.upper())
            )
            if order_owner is not None and order_owner not in ids:
                ids.append(order_owner)
            if not ids:
                pattern = "%" + text.lower().replace("%", "").replace("_", "") + "%"
                ids = list(
                    session.scalars(
                        select(Customer.id)
                        .where(func.lower(Customer.name).like(pattern))
                        .order_by(Customer.id)
                        .limit(MAX_MATCHES)
                    )
                )
        customers = [session.get(Customer, i) for i in ids[:MAX_MATCHES]]
        return [_match(session, c) for c in customers if c is not None]


def _by_phone(session: Session, desk: Desk, text: str) -> list[int]:
    if sum(ch.isdigit() for ch in text) < 6:
        return []
    try:
        phone = identity_form(IdentityKind.PHONE, text, phone_region(desk))
    except InvalidInput:
        return []
    found = customer_by_phone(session, phone)
    return [found] if found is not None else []


def get_caller(db: Database, principal: Principal, customer_id: int) -> CallerMatch:
    require_staff(principal)
    with db.transaction(write=False) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise InvalidInput(
                f"no customer with id {customer_id}; search for the caller again",
                errors=[{"loc": ["body", "customer_id"], "msg": "unknown customer"}],
            )
        return _match(session, customer)
