"""Customers and their identities: find-or-create by e-mail, create, update, read.

Identity linking across accounts (phone, address, fuzzy matching) builds on these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import Table, bindparam, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.principal import Principal
from sopdesk.errors import Conflict, Forbidden, NotFound
from sopdesk.store.db import Database, dialect_insert
from sopdesk.store.models import Customer, CustomerIdentity, CustomerLink


def normalise_email(email: str) -> str:
    return email.strip().lower()


class CustomerFields(BaseModel):
    name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    language: str = Field(default="en", min_length=2, max_length=10, pattern=r"^[a-z]{2}(-\w+)?$")
    tier: str = Field(default="standard", min_length=1, max_length=40)
    external_ref: str | None = Field(default=None, max_length=100)

    @field_validator("external_ref")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # An empty reference is no reference: two customers may both have none.
        return value.strip() or None if value is not None else None


class CreateCustomer(CustomerFields):
    email: EmailStr

    @field_validator("email")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_email(value)


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    email: str | None
    phone: str | None
    language: str
    tier: str
    external_ref: str | None
    created_at: datetime
    linked_ids: list[int]

    @classmethod
    def of(cls, customer: Customer, linked_ids: list[int] | None = None) -> CustomerView:
        return cls(
            customer.id,
            customer.name,
            customer.email,
            customer.phone,
            customer.language,
            customer.tier,
            customer.external_ref,
            customer.created_at,
            linked_ids or [],
        )


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("only agents can do this")


@dataclass(frozen=True)
class CustomerFacts:
    """What routing and the SLA clocks of a new case read about its customer."""

    id: int
    email: str | None
    phone: str | None
    tier: str


_CUSTOMERS = cast(Table, Customer.__table__)
# Core over the table: an ORM-enabled select of the same columns cost twice as much to run.
_CUSTOMER_BY_EMAIL = select(
    _CUSTOMERS.c.id, _CUSTOMERS.c.email, _CUSTOMERS.c.phone, _CUSTOMERS.c.tier, _CUSTOMERS.c.name
).where(_CUSTOMERS.c.email == bindparam("email"))
_NAME_BLANK_CUSTOMER = (
    update(_CUSTOMERS)
    .where(_CUSTOMERS.c.id == bindparam("customer_id"), _CUSTOMERS.c.name == "")
    .values(name=bindparam("new_name"))
)
_INSERT_IDENTITY = insert(cast(Table, CustomerIdentity.__table__))


def ensure_customer(session: Session, email: str, name: str, now: datetime) -> int:
    """The id of the customer with this e-mail, creating them (and the identity) if new.

    Safe under concurrency: an INSERT … ON CONFLICT DO NOTHING, then a read.
    """
    return ensure_customer_facts(session, email, name, now).id


def ensure_customer_facts(session: Session, email: str, name: str, now: datetime) -> CustomerFacts:
    """`ensure_customer`, answering with the columns a new case needs (one read when known)."""
    email = normalise_email(email)
    # Most contacts come from customers seen before: one indexed read answers those, and the
    # statement is built once (building an INSERT per call was a third of case creation).
    known = session.execute(_CUSTOMER_BY_EMAIL, {"email": email}).first()
    if known is not None:
        if name and not known[4]:
            # Known only by address so far (e.g. from an order import): the contact names them.
            session.execute(_NAME_BLANK_CUSTOMER, {"customer_id": known[0], "new_name": name})
        return CustomerFacts(int(known[0]), known[1], known[2], known[3])
    result = session.execute(
        dialect_insert(session, _CUSTOMERS)
        .values(email=email, name=name, language="en", tier="standard", created_at=now)
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(_CUSTOMERS.c.id)
    ).scalar()
    if result is not None:
        # Written at once (not left pending in the session): routing reads identities next.
        session.execute(
            _INSERT_IDENTITY,
            {
                "customer_id": result,
                "kind": IdentityKind.EMAIL.value,
                "value": email,
                "normalized": email,
                "created_at": now,
            },
        )
        return CustomerFacts(int(result), email, None, "standard")
    existing = session.execute(_CUSTOMER_BY_EMAIL, {"email": email}).first()
    assert existing is not None  # the conflict means the row exists
    return CustomerFacts(int(existing[0]), existing[1], existing[2], existing[3])


# Links are stored one way; both directions in one round trip (the unique index serves the first
# arm, ix_customer_links_linked_id the second).
_LINKS = cast(Table, CustomerLink.__table__)
_LINKED_IDS = union_all(
    select(_LINKS.c.linked_id).where(_LINKS.c.customer_id == bindparam("customer_id")),
    select(_LINKS.c.customer_id).where(_LINKS.c.linked_id == bindparam("customer_id")),
)


def linked_ids(session: Session, customer_id: int) -> list[int]:
    """The ids of the accounts linked to this customer, either way round, sorted."""
    return sorted(set(session.scalars(_LINKED_IDS, {"customer_id": customer_id})))


def load_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    return customer


def get_customer(db: Database, principal: Principal, customer_id: int) -> CustomerView:
    require_staff(principal)
    with db.transaction(write=False) as session:
        customer = load_customer(session, customer_id)
        return CustomerView.of(customer, linked_ids(session, customer_id))


def check_create_customer(db: Database, principal: Principal, command: CreateCustomer) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        existing = session.scalar(select(Customer.id).where(Customer.email == command.email))
        if existing is not None:
            raise Conflict(f"a customer with e-mail {command.email} already exists (id {existing})")
        if command.external_ref:
            taken = session.scalar(
                select(Customer.id).where(Customer.external_ref == command.external_ref)
            )
            if taken is not None:
                raise Conflict(f"external_ref {command.external_ref!r} belongs to customer {taken}")


def do_create_customer(db: Database, now: datetime, command: CreateCustomer) -> CustomerView:
    """Creates the customer; one created at the same moment by another request is a Conflict."""
    try:
        return _insert_customer(db, now, command)
    except IntegrityError:
        raise Conflict(
            f"a customer with e-mail {command.email} or external_ref {command.external_ref!r}"
            " was created at the same moment; read it with GET /api/v1/customers?email=…"
        ) from None


def _insert_customer(db: Database, now: datetime, command: CreateCustomer) -> CustomerView:
    with db.transaction() as session:
        customer = Customer(
            email=command.email,
            name=command.name,
            phone=command.phone,
            language=command.language,
            tier=command.tier,
            external_ref=command.external_ref,
            created_at=now,
        )
        session.add(customer)
        session.flush()
        session.add(
            CustomerIdentity(
                customer_id=customer.id,
                kind=IdentityKind.EMAIL.value,
                value=command.email,
                normalized=command.email,
                created_at=now,
            )
        )
        if command.phone:
            session.add(
                CustomerIdentity(
                    customer_id=customer.id,
                    kind=IdentityKind.PHONE.value,
                    value=command.phone,
                    normalized=command.phone,
                    created_at=now,
                )
            )
        return CustomerView.of(customer)


def find_customers(
    db: Database, principal: Principal, email: str | None, limit: int, after_id: int | None
) -> list[CustomerView]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        query = select(Customer).order_by(Customer.id).limit(limit)
        if email:
            query = query.where(Customer.email == normalise_email(email))
        if after_id is not None:
            query = query.where(Customer.id > after_id)
        return [CustomerView.of(c) for c in session.scalars(query)]
