"""What the desk lets a partner see of the customer's report on its task page
(desk.yaml `partner_portal.show`): the order, its items, the customer's first or full name, and
the customer's first message with e-mail addresses and phone numbers blanked. The customer's
e-mail and phone themselves are never part of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sopdesk.domain.cases import ActorKind, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.partner_view import first_name, without_contact
from sopdesk.domain.principal import Principal
from sopdesk.engine.partner_tasks import get_partner_task
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Customer


@dataclass(frozen=True)
class CustomerReport:
    order_ref: str | None = None
    items: tuple[str, ...] = ()
    customer: str = ""  # first name or full name, as the desk allows; "" when not shown
    message: str = ""  # the customer's first message, contact details blanked


def customer_report(
    db: Database, clock: Clock, desk: Desk, principal: Principal, task_id: int
) -> CustomerReport:
    """The report for one of the partner's own tasks (another partner's task is NotFound)."""
    task = get_partner_task(db, clock, principal, task_id)
    show = set(desk.partner_portal.show)
    name = message = ""
    with db.transaction(write=False) as session:
        case = session.get(Case, task.case_id)
        customer = session.get(Customer, case.customer_id) if case is not None else None
        if customer is not None and "customer_name" in show:
            name = customer.name
        elif customer is not None and "customer_first_name" in show:
            name = first_name(customer.name)
        if "customer_message" in show:
            first = session.scalar(
                select(CaseEvent.body)
                .where(
                    CaseEvent.case_id == task.case_id,
                    CaseEvent.kind == EventKind.MESSAGE_IN.value,
                    CaseEvent.actor_kind != ActorKind.PARTNER.value,  # the shop's own answers aside
                )
                .order_by(CaseEvent.id)
                .limit(1)
            )
            message = without_contact(first or "")
    return CustomerReport(
        order_ref=task.order_ref if "order" in show else None,
        items=tuple(task.items) if "items" in show else (),
        customer=name,
        message=message,
    )
