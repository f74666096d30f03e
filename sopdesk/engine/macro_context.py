"""What templates and conditions read about a case, built in one place.

The playbook's sends, its notes and the console's macro preview all build their context here and
render with `render_case_macro`, so what an agent previews is exactly what a playbook sends.
A value the desk does not know is left out of the context (never filled with a blank), so a
template that needs it fails to render and the send stops instead of mailing "We have your .".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.desk.templates import RenderedMacro, render, render_macro
from sopdesk.domain.connectors import order_status
from sopdesk.domain.desk import Desk, Macro
from sopdesk.errors import InvalidInput
from sopdesk.store.models import Agent, Case, Customer, Order, OrderItem, Partner


def _case_item(order: Order | None) -> OrderItem | None:
    # TODO(issue 10, item 7): the case's chosen item (a case_items table) once intake and the
    # agent can choose it; until then the first line, as before.
    if order is None or not order.items:
        return None
    return order.items[0]


def order_state(order: Order) -> dict[str, Any]:
    """What the order connector's rules read (domain/connectors.py): the recorded status, the
    shipments' dates it is read from when unset, and the shipping address."""
    shipments = [
        {"shipped_at": s.shipped_at, "delivered_at": s.delivered_at} for s in order.shipments
    ]
    return {
        "status": order.status,
        "shipments": shipments,
        "shipping_address": order.shipping_address,
    }


def case_facts(session: Session, desk: Desk, case: Case, now: datetime) -> dict[str, Any]:
    """What conditions, amounts and templates may read about a case (see desk/templates.py)."""
    customer = session.get(Customer, case.customer_id)
    order = session.get(Order, case.order_id) if case.order_id else None
    partner = session.get(Partner, case.partner_id) if case.partner_id else None
    item = _case_item(order)
    shipment = order.shipments[-1] if order is not None and order.shipments else None
    name = customer.name if customer else ""
    # A playbook signs as the case's assignee; with nobody assigned, as the desk's team.
    assignee = session.get(Agent, case.assignee_id) if case.assignee_id else None
    signer = assignee.name if assignee else f"{desk.name} team"
    local_today = now.astimezone(desk.business_calendar().tz).date()
    return {
        "case": {
            "number": case.id,
            "subject": case.subject,
            "status": case.status,
            "priority": case.priority,
            "level": case.level,
            "category": case.category,
            "link": None,
            "created": case.created_at,
        },
        "customer": {
            "name": name,
            "first_name": name.split(" ")[0] if name else "",
            "email": customer.email if customer else None,
            "phone": customer.phone if customer else None,
        },
        "order": None
        if order is None
        else {
            "number": order.external_ref,
            "date": order.placed_at,
            "total": order.total,
            "currency": order.currency,
            "country": order.destination_country,
            "status": order.status or order_status(order_state(order)),
            "refund_ref": order.refund_ref,
            "shipping_address": order.shipping_address,
        },
        "item": None
        if item is None
        else {
            "name": item.name,
            "value": item.value,
            "comp_value": item.comp_value,
            "serial": item.sku,
        },
        "items": [] if order is None else [{"name": i.name, "sku": i.sku} for i in order.items],
        "shipment": None
        if shipment is None
        else {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": None,
        },
        "agent": {
            "name": signer,
            "first_name": signer.split(" ")[0] if assignee else signer,
            "email": assignee.email if assignee else None,
        },
        "partner": None if partner is None else {"name": partner.name, "email": partner.email},
        "desk": {
            "name": desk.name,
            "support_email": desk.channels.email[0].address if desk.channels.email else None,
            "limits": desk.limits.model_dump(),
        },
        "today": local_today,
    }


def _known(value: Any) -> Any:
    """`value` without the parts nobody knows (None or blank); None when nothing is left."""
    if isinstance(value, dict):
        kept = {k: v for k, v in ((k, _known(v)) for k, v in value.items()) if v is not None}
        return kept
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def template_context(facts: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """Facts for templates: only what is known; a placeholder over an unknown value is undefined."""
    recipient = {
        "name": variables.get("recipient_name"),
        "email": variables.get("recipient_email"),
    }
    raw = {**facts, "fields": variables, "recipient": recipient}
    return {name: value for name, value in _known(raw).items() if value is not None}


def fill(template: str, context: dict[str, Any]) -> str:
    """A note or chat text filled in; a placeholder that cannot be filled is shown, not fatal."""
    try:
        return render(template, context)
    except InvalidInput as exc:
        return f"{template} [{exc.message}]"


def render_case_macro(
    macro: Macro, case: Case, desk: Desk, context: dict[str, Any]
) -> RenderedMacro:
    """The macro filled in for the case, in its language; InvalidInput names a missing value."""
    return render_macro(macro, case.language, desk.default_language, context)
