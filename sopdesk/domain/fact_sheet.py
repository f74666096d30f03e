"""A case's fact sheet: the one function that shapes what conditions and macros read.

The engine (from the database) and the simulation (from a scenario) fill the same typed inputs
and call `build_facts`, so a live case and a simulated one have the same names and types
(sopdesk/domain/facts.py lists them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.case_items import the_item
from sopdesk.domain.facts import VERIFIED_TAG
from sopdesk.domain.fulfilment import FulfilmentPromise, assess_fulfilment
from sopdesk.domain.fulfilment import ShipmentFacts as Parcel


@dataclass(frozen=True)
class ItemFacts:
    id: int
    name: str
    sku: str = ""
    variant: str | None = None
    value: Decimal = Decimal("0")
    comp_value: Decimal | None = None
    quantity: int = 1


@dataclass(frozen=True)
class ShipmentFacts:
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    country: str | None = None


@dataclass(frozen=True)
class OrderFacts:
    number: str
    placed_at: datetime
    currency: str
    total: Decimal = Decimal("0")
    country: str | None = None
    status: str | None = None
    payment_methods: tuple[str, ...] = ()
    refund_ref: str | None = None
    shipping_address: str | None = None
    items: tuple[ItemFacts, ...] = ()
    shipments: tuple[ShipmentFacts, ...] = ()


@dataclass(frozen=True)
class CaseFacts:
    number: int
    subject: str
    status: str
    priority: str
    level: int
    category: str | None
    channel: str
    language: str
    created_at: datetime
    tags: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerFacts:
    name: str
    email: str | None
    phone: str | None = None
    membership: str = "standard"
    linked_accounts: int = 0
    offenses: Mapping[str, int] = field(default_factory=dict)  # by offense kind, in window


@dataclass(frozen=True)
class EarlierCase:
    category: str | None
    is_open: bool
    created_at: datetime


@dataclass(frozen=True)
class Party:
    name: str
    email: str | None


@dataclass(frozen=True)
class FactInputs:
    """Everything a case's facts are made of, read by the engine or told by a scenario."""

    case: CaseFacts
    customer: CustomerFacts
    desk_name: str
    limits: Mapping[str, Any]
    now: datetime
    tz: tzinfo
    order: OrderFacts | None = None
    chosen_items: Sequence[int] = ()  # order line ids the case is about (intake or agent)
    earlier: Sequence[EarlierCase] = ()
    assignee: Party | None = None  # None: the desk's team signs
    partner: Party | None = None
    support_email: str | None = None
    case_limits: Mapping[str, Any] = field(default_factory=dict)  # domain/case_limits.limit_facts
    # Seed 002's promises and their calendar (Desk.fulfilment_terms); None: no promises.
    fulfilment: tuple[FulfilmentPromise, BusinessCalendar] | None = None


def _day(value: datetime | None, tz: tzinfo) -> date | None:
    return None if value is None else value.astimezone(tz).date()


def _item(item: ItemFacts) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "sku": item.sku,
        "serial": item.sku or None,  # a blank SKU is unknown
        "variant": item.variant,
        "value": item.value,
        "comp_value": item.comp_value,  # unknown stays unknown: a credit for it then stops
        "quantity": item.quantity,
    }


def _shipment(s: ShipmentFacts | None, tz: tzinfo) -> dict[str, Any] | None:
    if s is None:
        return None
    state = "delivered" if s.delivered_at else "shipped" if s.shipped_at else "pending"
    return {
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "tracking_url": None,
        "state": state,
        "shipped": _day(s.shipped_at, tz),
        "delivered": _day(s.delivered_at, tz),
        "country": s.country,
    }


def _order(order: OrderFacts | None, tz: tzinfo) -> dict[str, Any] | None:
    if order is None:
        return None
    delivered = [s.delivered_at for s in order.shipments if s.delivered_at is not None]
    return {
        "number": order.number,
        "date": _day(order.placed_at, tz),
        "total": order.total,
        "currency": order.currency,
        "country": order.country,
        "status": order.status,
        "payment_methods": list(order.payment_methods),
        "refund_ref": order.refund_ref,
        "shipping_address": order.shipping_address,
        "delivered": _day(max(delivered), tz) if delivered else None,
        "item_count": len(order.items),
        "items": [_item(i) for i in order.items],
    }


def _fulfilment(
    order: OrderFacts | None,
    terms: tuple[FulfilmentPromise, BusinessCalendar] | None,
    now: datetime,
) -> dict[str, Any] | None:
    """Seed 002's promises for the order, from its destination, placed and shipped dates (the
    routing's verdict, domain/fulfilment.assess_fulfilment), in the promises' calendar."""
    if order is None or terms is None:
        return None
    promise, calendar = terms
    decision = assess_fulfilment(
        placed_at=order.placed_at,
        destination_country=order.country,
        shipments=[Parcel(s.shipped_at, s.delivered_at, s.country) for s in order.shipments],
        now=now,
        calendar=calendar,
        promise=promise,
    )
    shipping_days, _where = promise.shipping_days(order.country)
    ships_by = calendar.add_open_dates(
        calendar.local_date(order.placed_at), promise.processing_days
    )
    left = sorted(s.shipped_at for s in order.shipments if s.shipped_at is not None)
    shipped = calendar.local_date(left[0]) if left else ships_by
    domestic = order.country is not None and order.country.upper() in promise.domestic_countries
    return {
        "stage": decision.stage.value,
        "domestic": domestic,
        "processing_days": promise.processing_days,
        "shipping_days": shipping_days,
        "ships_by": ships_by,
        "arrives_by": calendar.add_open_dates(shipped, shipping_days),
        "age_days": decision.age_days,
        "promise_days": decision.promise_days,
        "due": decision.due_on,
        "inside": decision.inside_sla,
    }


def _earlier(cases: Sequence[EarlierCase], tz: tzinfo) -> dict[str, Any]:
    return {
        "count": len(cases),
        "open": sum(1 for c in cases if c.is_open),
        "categories": sorted({c.category for c in cases if c.category}),
        "last": _day(max(c.created_at for c in cases), tz) if cases else None,
    }


def _offense_name(kind: str) -> str:
    return kind.replace("-", "_")  # `customer.offenses.wrong_item` reads a kind `wrong-item`


def with_tags(
    facts: Mapping[str, Any], add: Sequence[str], remove: Sequence[str]
) -> dict[str, Any]:
    """The facts after a step changed the case's tags (`customer.verified` follows its tag)."""
    case = dict(facts.get("case") or {})
    tags = [t for t in case.get("tags") or [] if t not in remove]
    tags += [t for t in add if t not in tags]
    case["tags"] = tags
    customer = {**dict(facts.get("customer") or {}), "verified": VERIFIED_TAG in tags}
    return {**facts, "case": case, "customer": customer}


def build_facts(inputs: FactInputs) -> dict[str, Any]:
    """The case's facts, as conditions, amounts and templates read them."""
    c, customer, order, tz = inputs.case, inputs.customer, inputs.order, inputs.tz
    lines = order.items if order is not None else ()
    chosen = [i for i in lines if i.id in set(inputs.chosen_items)]
    one = the_item(list(inputs.chosen_items), [i.id for i in lines])
    item = next((i for i in lines if i.id == one), None)
    signer = inputs.assignee.name if inputs.assignee else f"{inputs.desk_name} team"
    name = customer.name
    return {
        "case": {
            "number": c.number,
            "subject": c.subject,
            "status": c.status,
            "priority": c.priority,
            "level": c.level,
            "category": c.category,
            "channel": c.channel,
            "language": c.language,
            "tags": list(c.tags),
            "signals": list(c.signals),
            "link": None,
            "created": _day(c.created_at, tz),
        },
        "customer": {
            "name": name,
            "first_name": name.split(" ")[0] if name else "",
            "email": customer.email,
            "phone": customer.phone,
            "membership": customer.membership,
            "linked_accounts": customer.linked_accounts,
            "offense_count": sum(customer.offenses.values()),
            "offenses": {_offense_name(k): n for k, n in customer.offenses.items()},
            "verified": VERIFIED_TAG in c.tags,
        },
        "earlier": _earlier(inputs.earlier, tz),
        "order": _order(order, tz),
        "fulfilment": _fulfilment(order, inputs.fulfilment, inputs.now),
        "item": None if item is None else _item(item),
        "items": [_item(i) for i in (chosen or ([item] if item else []))],
        "shipment": _shipment(order.shipments[-1] if order and order.shipments else None, tz),
        "agent": {
            "name": signer,
            "first_name": signer.split(" ")[0] if inputs.assignee else signer,
            "email": inputs.assignee.email if inputs.assignee else None,
        },
        "partner": None
        if inputs.partner is None
        else {"name": inputs.partner.name, "email": inputs.partner.email},
        "desk": {
            "name": inputs.desk_name,
            "support_email": inputs.support_email,
            "limits": dict(inputs.limits),
        },
        "today": inputs.now.astimezone(tz).date(),
        "case_limits": dict(inputs.case_limits),
    }
