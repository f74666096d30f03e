"""What templates and conditions read about a case, built in one place.

The playbook's sends, its notes and the console's macro preview all build their context here and
render with `render_case_macro`, so what an agent previews is exactly what a playbook sends.
A value the desk does not know is left out of the context (never filled with a blank), so a
template that needs it fails to render and the send stops instead of mailing "We have your .".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.templates import RenderedMacro, render, render_macro
from sopdesk.domain.cases import CaseStatus
from sopdesk.domain.connectors import order_status
from sopdesk.domain.desk import Desk, Macro
from sopdesk.domain.fact_sheet import (
    CaseFacts,
    CustomerFacts,
    EarlierCase,
    FactInputs,
    ItemFacts,
    OrderFacts,
    Party,
    ShipmentFacts,
    build_facts,
)
from sopdesk.engine.case_items import chosen_item_ids
from sopdesk.engine.case_limits import case_limit_facts
from sopdesk.engine.linked_accounts import linked_ids
from sopdesk.engine.routing import offense_history
from sopdesk.errors import InvalidInput
from sopdesk.store.models import Agent, Case, Customer, Order, Partner

MAX_EARLIER = 200  # the latest earlier cases a fact reads (counts above it are capped)


def _order(order: Order) -> OrderFacts:
    return OrderFacts(
        number=order.external_ref,
        placed_at=order.placed_at,
        currency=order.currency,
        total=order.total,
        country=order.destination_country,
        status=order.status or order_status(order_state(order)),
        payment_methods=tuple(order.payment_methods or ()),
        refund_ref=order.refund_ref,
        shipping_address=order.shipping_address,
        items=tuple(
            ItemFacts(i.id, i.name, i.sku, i.variant, i.value, i.comp_value, i.quantity)
            for i in order.items
        ),
        shipments=tuple(
            ShipmentFacts(
                s.carrier,
                s.tracking_number,
                s.shipped_at,
                s.delivered_at,
                s.destination_country,
            )
            for s in order.shipments
        ),
    )


def _earlier(session: Session, case: Case, accounts: list[int]) -> list[EarlierCase]:
    rows = session.execute(
        select(Case.category, Case.status, Case.created_at)
        .where(
            Case.customer_id.in_(accounts),
            Case.id != case.id,
            Case.created_at <= case.created_at,
            Case.status != CaseStatus.SPAM.value,
        )
        .order_by(Case.id.desc())
        .limit(MAX_EARLIER)
    ).all()
    return [EarlierCase(cat, CaseStatus(st).is_open, at) for cat, st, at in rows]


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
    """What conditions, amounts and templates may read about a case: the fact model of
    sopdesk/domain/facts.py, shaped by domain/fact_sheet.build_facts (as the simulation is)."""
    customer = session.get(Customer, case.customer_id)
    order = session.get(Order, case.order_id) if case.order_id else None
    partner = session.get(Partner, case.partner_id) if case.partner_id else None
    # A playbook signs as the case's assignee; with nobody assigned, as the desk's team.
    assignee = session.get(Agent, case.assignee_id) if case.assignee_id else None
    linked = linked_ids(session, case.customer_id)
    accounts = sorted({case.customer_id, *linked})
    offenses = offense_history(session, desk, accounts, now)
    inputs = FactInputs(
        case=CaseFacts(
            number=case.id,
            subject=case.subject,
            status=case.status,
            priority=case.priority,
            level=case.level,
            category=case.category,
            channel=case.channel,
            language=case.language,
            created_at=case.created_at,
            tags=tuple(case.tags or ()),
            signals=tuple(case.signals or ()),
        ),
        customer=CustomerFacts(
            name=customer.name if customer else "",
            email=customer.email if customer else None,
            phone=customer.phone if customer else None,
            membership=customer.tier if customer else "standard",
            linked_accounts=len(linked),
            offenses={kind: count.count for kind, count in offenses.items()},
        ),
        desk_name=desk.name,
        limits=desk.limits.model_dump(),
        now=now,
        tz=desk.business_calendar().tz,
        order=_order(order) if order is not None else None,
        chosen_items=chosen_item_ids(session, case.id),
        earlier=_earlier(session, case, accounts),
        assignee=Party(assignee.name, assignee.email) if assignee else None,
        partner=Party(partner.name, partner.email) if partner else None,
        support_email=desk.channels.email[0].address if desk.channels.email else None,
        case_limits=case_limit_facts(session, desk, case, accounts, now),
        fulfilment=desk.fulfilment_terms(),
    )
    return build_facts(inputs)


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
