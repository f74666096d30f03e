"""The customer page and what is done to a customer as a whole: merge two accounts (undone by an
unmerge that restores the identities, cases and orders), unlink a wrong link.

Each change is a check_/do_ pair, one transaction, with a `customer_audit` row and, for a merge,
an entry on the timeline of every case that changed hands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.offenses import OffenseCount
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_staff
from sopdesk.engine.customers import CustomerView, load_customer
from sopdesk.engine.linked_accounts import LinkedAccount, linked_accounts, linked_ids
from sopdesk.engine.orders import OrderView
from sopdesk.engine.routing import offense_history
from sopdesk.engine.timeline import NewEvent, append_events
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import (
    Case,
    Customer,
    CustomerAudit,
    CustomerIdentity,
    CustomerLink,
    Order,
)

MAX_CASES_SHOWN = 500


@dataclass(frozen=True)
class IdentityView:
    kind: str
    value: str
    normalized: str


@dataclass(frozen=True)
class CustomerCase:
    id: int
    subject: str
    status: str
    level: int
    category: str | None
    created_at: datetime


@dataclass(frozen=True)
class AuditView:
    id: int
    kind: str
    customer_id: int
    other_id: int | None
    reason: str
    at: datetime
    undone: bool


@dataclass(frozen=True)
class CustomerRecord:
    """Everything the customer page shows."""

    customer: CustomerView
    identities: list[IdentityView]
    linked: list[LinkedAccount]  # transitive, each with the link that reached it
    offenses: dict[str, OffenseCount]  # by kind, across the linked accounts
    orders: list[OrderView]
    cases: list[CustomerCase]  # those the reader may open
    hidden_cases: int  # at levels the reader does not see
    history: list[AuditView]


def read_customer_record(
    db: Database, clock: Clock, principal: Principal, desk: Desk, customer_id: int
) -> CustomerRecord:
    require_staff(principal)
    with db.transaction(write=False) as session:
        customer = load_customer(session, customer_id)
        linked = linked_accounts(session, customer_id)
        accounts = sorted({customer_id, *(a.customer_id for a in linked)})
        identities = [
            IdentityView(i.kind, i.value, i.normalized)
            for i in session.scalars(
                select(CustomerIdentity)
                .where(CustomerIdentity.customer_id == customer_id)
                .order_by(CustomerIdentity.kind, CustomerIdentity.id)
            )
        ]
        orders = [
            OrderView.of(o)
            for o in session.scalars(
                select(Order).where(Order.customer_id == customer_id).order_by(Order.id.desc())
            )
        ]
        cases, hidden = [], 0
        rows = session.scalars(
            select(Case)
            .where(Case.customer_id == customer_id)
            .order_by(Case.id.desc())
            .limit(MAX_CASES_SHOWN)
        )
        for case in rows:
            if not principal.sees_level(case.level):
                hidden += 1
                continue
            cases.append(
                CustomerCase(
                    case.id, case.subject, case.status, case.level, case.category, case.created_at
                )
            )
        return CustomerRecord(
            CustomerView.of(customer, linked_ids(session, customer_id)),
            identities,
            linked,
            offense_history(session, desk, accounts, clock.now()),
            orders,
            cases,
            hidden,
            customer_history(session, customer_id),
        )


def customer_history(session: Session, customer_id: int) -> list[AuditView]:
    rows = session.scalars(
        select(CustomerAudit)
        .where(or_(CustomerAudit.customer_id == customer_id, CustomerAudit.other_id == customer_id))
        .order_by(CustomerAudit.id.desc())
        .limit(200)
    )
    return [
        AuditView(a.id, a.kind, a.customer_id, a.other_id, a.reason, a.at, a.undone_at is not None)
        for a in rows
    ]


class MergeCustomers(BaseModel):
    """Merge the account `other_id` into this one: its identities, cases and orders move here."""

    other_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(min_length=1, max_length=500)


class Unlink(BaseModel):
    other_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(min_length=1, max_length=500)


class Unmerge(BaseModel):
    merge_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(default="", max_length=500)


def check_merge_customers(
    db: Database, principal: Principal, customer_id: int, command: MergeCustomers
) -> None:
    require_staff(principal)
    if command.other_id == customer_id:
        raise InvalidInput("choose another customer to merge into this one")
    with db.transaction(write=False) as session:
        load_customer(session, customer_id)
        load_customer(session, command.other_id)
        if _merged_away(session, customer_id) or _merged_away(session, command.other_id):
            raise Conflict("one of these accounts was already merged into another; unmerge first")


def _merged_away(session: Session, customer_id: int) -> bool:
    merged = session.scalar(
        select(CustomerAudit.id).where(
            CustomerAudit.kind == "merge",
            CustomerAudit.other_id == customer_id,
            CustomerAudit.undone_at.is_(None),
        )
    )
    return merged is not None


def do_merge_customers(
    db: Database, clock: Clock, principal: Principal, customer_id: int, command: MergeCustomers
) -> int:
    """Moves the other account's identities, cases and orders here; answers the merge's id."""
    now = clock.now()
    source_id = command.other_id
    with db.transaction() as session:
        source = load_customer(session, source_id)
        held = {
            (i.kind, i.normalized)
            for i in session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
            )
        }
        moved = list(
            session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.customer_id == source_id)
            )
        )
        identities = [_identity_data(i) for i in moved]
        session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id == source_id))
        added = [
            _identity_row(i, customer_id)
            for i in identities
            if (i["kind"], i["normalized"]) not in held
        ]
        added_ids = (
            [
                int(new_id)
                for new_id in session.scalars(
                    insert(CustomerIdentity).returning(CustomerIdentity.id), added
                )
            ]
            if added
            else []
        )
        cases = list(session.scalars(select(Case.id).where(Case.customer_id == source_id)))
        orders = list(session.scalars(select(Order.id).where(Order.customer_id == source_id)))
        session.execute(update(Case).where(Case.id.in_(cases)).values(customer_id=customer_id))
        session.execute(update(Order).where(Order.id.in_(orders)).values(customer_id=customer_id))
        email = source.email
        source.email = None
        session.flush()
        audit = CustomerAudit(
            customer_id=customer_id,
            other_id=source_id,
            kind="merge",
            actor_id=principal.id,
            reason=command.reason,
            at=now,
            data={
                "identities": identities,
                "added_identity_ids": added_ids,
                "cases": cases,
                "orders": orders,
                "email": email,
            },
        )
        session.add(audit)
        note = f"customer {source_id} merged into customer {customer_id}: {command.reason}"
        _on_timelines(session, cases, now, principal, note, {"merge_from": source_id})
        session.flush()
        return audit.id


def _identity_data(identity: CustomerIdentity) -> dict[str, Any]:
    return {
        "kind": identity.kind,
        "value": identity.value,
        "normalized": identity.normalized,
        "created_at": identity.created_at.isoformat(),
    }


def _identity_row(data: dict[str, Any], customer_id: int) -> dict[str, Any]:
    return {
        **data,
        "customer_id": customer_id,
        "created_at": datetime.fromisoformat(data["created_at"]),
    }


def _on_timelines(
    session: Session,
    cases: list[int],
    now: datetime,
    principal: Principal,
    body: str,
    data: dict[str, Any],
) -> None:
    append_events(
        session,
        [
            NewEvent.of(case_id, EventKind.FIELD_CHANGE, now, principal, body=body, data=data)
            for case_id in cases
        ],
    )


def check_unmerge(db: Database, principal: Principal, command: Unmerge) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        merge = session.get(CustomerAudit, command.merge_id)
        if merge is None or merge.kind != "merge":
            raise NotFound(f"no merge with id {command.merge_id}")
        if merge.undone_at is not None:
            raise Conflict(f"merge {command.merge_id} was already undone")


def do_unmerge(db: Database, clock: Clock, principal: Principal, command: Unmerge) -> int:
    """Gives the merged account back its identities, e-mail, and the cases and orders it had
    (those still with the surviving account); answers the surviving account's id."""
    now = clock.now()
    with db.transaction() as session:
        merge = session.get(CustomerAudit, command.merge_id)
        assert merge is not None and merge.other_id is not None
        target, source = merge.customer_id, merge.other_id
        data = merge.data
        session.execute(
            delete(CustomerIdentity).where(
                CustomerIdentity.id.in_(data["added_identity_ids"]),
                CustomerIdentity.customer_id == target,
            )
        )
        if data["identities"]:
            session.execute(
                insert(CustomerIdentity),
                [_identity_row(i, source) for i in data["identities"]],
            )
        back = list(
            session.scalars(
                select(Case.id).where(Case.id.in_(data["cases"]), Case.customer_id == target)
            )
        )
        session.execute(update(Case).where(Case.id.in_(back)).values(customer_id=source))
        session.execute(
            update(Order)
            .where(Order.id.in_(data["orders"]), Order.customer_id == target)
            .values(customer_id=source)
        )
        taken = session.scalar(select(Customer.id).where(Customer.email == data["email"]))
        if taken is None:  # a customer created since with that address keeps it
            load_customer(session, source).email = data["email"]
        merge.undone_at = now
        session.add(
            CustomerAudit(
                customer_id=target,
                other_id=source,
                kind="unmerge",
                actor_id=principal.id,
                reason=command.reason or f"undid merge {merge.id}",
                at=now,
                data={"merge_id": merge.id},
            )
        )
        note = f"customer {source} unmerged from customer {target}"
        _on_timelines(session, back, now, principal, note, {"unmerge_of": merge.id})
        return target


def _links_between(customer_id: int, other_id: int) -> Any:
    return or_(
        (CustomerLink.customer_id == customer_id) & (CustomerLink.linked_id == other_id),
        (CustomerLink.customer_id == other_id) & (CustomerLink.linked_id == customer_id),
    )


def check_unlink(db: Database, principal: Principal, customer_id: int, command: Unlink) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_customer(session, customer_id)
        found = session.scalar(
            select(CustomerLink.id).where(_links_between(customer_id, command.other_id))
        )
        if found is None:
            raise NotFound(
                f"customer {customer_id} has no direct link to customer {command.other_id}"
                " (an account reached through another is unlinked on that account's page)"
            )


def do_unlink(
    db: Database, clock: Clock, principal: Principal, customer_id: int, command: Unlink
) -> None:
    """Removes the direct link either way round; offense counts stop adding the other account
    from now on (they are counted across links when read)."""
    with db.transaction() as session:
        reasons = list(
            session.scalars(
                select(CustomerLink.reason).where(_links_between(customer_id, command.other_id))
            )
        )
        session.execute(delete(CustomerLink).where(_links_between(customer_id, command.other_id)))
        session.add(
            CustomerAudit(
                customer_id=customer_id,
                other_id=command.other_id,
                kind="unlink",
                actor_id=principal.id,
                reason=command.reason,
                at=clock.now(),
                data={"link_reasons": reasons},
            )
        )
