"""Customers and their identities: find-or-create by e-mail, create, update, read.

Identity linking across accounts (phone, address, fuzzy matching) builds on these rows; the
links themselves are followed in sopdesk.engine.linked_accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import (
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.identity import email_address, identity_form
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_staff
from sopdesk.engine.linked_accounts import linked_ids
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database, dialect_insert
from sopdesk.store.models import Customer, CustomerIdentity


def phone_region(desk: Desk) -> str | None:
    """Where the desk reads phone numbers written without "+": its holiday country."""
    business = desk.calendars.get("business")
    return business.holidays.country if business is not None else None


def identity_row(
    customer_id: int, kind: IdentityKind, value: str, region: str | None, now: datetime
) -> dict[str, object]:
    """A customer_identities row in the one normal form (raises InvalidInput when unreadable)."""
    return {
        "customer_id": customer_id,
        "kind": kind.value,
        "value": value,
        "normalized": identity_form(kind, value, region),
        "created_at": now,
    }


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
        try:
            return email_address(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    def phone_e164(self, region: str | None) -> str | None:
        """The phone in E.164, read in the desk's region; InvalidInput names the field."""
        if not self.phone:
            return None
        try:
            return identity_form(IdentityKind.PHONE, self.phone, region)
        except InvalidInput as exc:
            raise InvalidInput(
                str(exc), errors=[{"loc": ["body", "phone"], "msg": str(exc)}]
            ) from None


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


def _customer_by_email_identity(session: Session, email: str) -> Any:
    """The customer holding this very address as an identity though it is not their account's
    e-mail: after a merge the merged-away address lives on with the survivor."""
    try:
        normalized = identity_form(IdentityKind.EMAIL, email, None)
    except InvalidInput:
        return None
    holder = (
        select(_IDENTITIES.c.customer_id)
        .where(
            _IDENTITIES.c.kind == IdentityKind.EMAIL.value,
            _IDENTITIES.c.normalized == normalized,
            func.lower(_IDENTITIES.c.value) == email,
        )
        .order_by(_IDENTITIES.c.id)
        .limit(1)
        .scalar_subquery()
    )
    columns = _CUSTOMER_BY_EMAIL.selected_columns
    return session.execute(select(*columns).where(_CUSTOMERS.c.id == holder)).first()


def ensure_customer(session: Session, email: str, name: str, now: datetime) -> int:
    """The id of the customer with this e-mail, creating them (and the identity) if new.

    Safe under concurrency: an INSERT … ON CONFLICT DO NOTHING, then a read.
    """
    return ensure_customer_facts(session, email, name, now).id


def ensure_customer_facts(session: Session, email: str, name: str, now: datetime) -> CustomerFacts:
    """`ensure_customer`, answering with the columns a new case needs (one read when known)."""
    email = email_address(email)
    # Most contacts come from customers seen before: one indexed read answers those, and the
    # statement is built once (building an INSERT per call was a third of case creation).
    known = session.execute(_CUSTOMER_BY_EMAIL, {"email": email}).first()
    if known is None:
        known = _customer_by_email_identity(session, email)
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
            _INSERT_IDENTITY, identity_row(int(result), IdentityKind.EMAIL, email, None, now)
        )
        return CustomerFacts(int(result), email, None, "standard")
    existing = session.execute(_CUSTOMER_BY_EMAIL, {"email": email}).first()
    assert existing is not None  # the conflict means the row exists
    return CustomerFacts(int(existing[0]), existing[1], existing[2], existing[3])


_FACTS_BY_ID = select(
    _CUSTOMERS.c.id, _CUSTOMERS.c.email, _CUSTOMERS.c.phone, _CUSTOMERS.c.tier
).where(_CUSTOMERS.c.id == bindparam("customer_id"))
_IDENTITIES = cast(Table, CustomerIdentity.__table__)


def customer_by_phone(session: Session, phone_e164: str) -> int | None:
    """The oldest customer known by this phone (E.164), as an identity or on the account."""
    by_identity = select(_IDENTITIES.c.customer_id).where(
        _IDENTITIES.c.kind == IdentityKind.PHONE.value, _IDENTITIES.c.normalized == phone_e164
    )
    on_account = select(_CUSTOMERS.c.id).where(_CUSTOMERS.c.phone == phone_e164)
    found = session.scalar(
        select(_CUSTOMERS.c.id)
        .where(or_(_CUSTOMERS.c.id.in_(by_identity), _CUSTOMERS.c.id.in_(on_account)))
        .order_by(_CUSTOMERS.c.id)
        .limit(1)
    )
    return int(found) if found is not None else None


def customer_facts(session: Session, customer_id: int) -> CustomerFacts:
    row = session.execute(_FACTS_BY_ID, {"customer_id": customer_id}).first()
    if row is None:
        raise InvalidInput(
            f"no customer with id {customer_id}; pick a customer from the search",
            errors=[{"loc": ["body", "customer_id"], "msg": "unknown customer"}],
        )
    return CustomerFacts(int(row[0]), row[1], row[2], row[3])


def ensure_caller(session: Session, phone_e164: str, name: str, now: datetime) -> CustomerFacts:
    """The customer a caller known only by phone is: the one with this number, else a new
    account without e-mail (routing stores the phone identity and links it)."""
    known = customer_by_phone(session, phone_e164)
    if known is not None:
        if name:
            session.execute(_NAME_BLANK_CUSTOMER, {"customer_id": known, "new_name": name})
        return customer_facts(session, known)
    new_id = session.execute(
        insert(_CUSTOMERS)
        .values(
            email=None,
            name=name,
            phone=phone_e164,
            language="en",
            tier="standard",
            created_at=now,
        )
        .returning(_CUSTOMERS.c.id)
    ).scalar_one()
    return CustomerFacts(int(new_id), None, phone_e164, "standard")


def ensure_contact_customer(
    session: Session,
    now: datetime,
    *,
    customer_id: int | None,
    email: str | None,
    phone_e164: str | None,
    name: str,
) -> CustomerFacts:
    """Who a new case is for: a chosen customer, else the one with this e-mail (a phone given
    with it is kept when the account has none), else the caller with this phone."""
    if customer_id is not None:
        return customer_facts(session, customer_id)
    if email is not None:
        facts = ensure_customer_facts(session, email, name, now)
        if phone_e164 is None or facts.phone is not None:
            return facts
        session.execute(
            update(_CUSTOMERS).where(_CUSTOMERS.c.id == facts.id).values(phone=phone_e164)
        )
        return CustomerFacts(facts.id, facts.email, phone_e164, facts.tier)
    if phone_e164 is None:
        raise InvalidInput("say who the customer is: customer_id, customer_email or customer_phone")
    return ensure_caller(session, phone_e164, name, now)


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


def check_create_customer(
    db: Database, principal: Principal, command: CreateCustomer, region: str | None
) -> None:
    require_staff(principal)
    command.phone_e164(region)
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


def do_create_customer(
    db: Database, now: datetime, command: CreateCustomer, region: str | None
) -> CustomerView:
    """Creates the customer with its e-mail and phone identities (the phone in E.164); one
    created at the same moment by another request is a Conflict."""
    phone = command.phone_e164(region)
    try:
        return _insert_customer(db, now, command, phone, region)
    except IntegrityError:
        raise Conflict(
            f"a customer with e-mail {command.email} or external_ref {command.external_ref!r}"
            " was created at the same moment; read it with GET /api/v1/customers?email=…"
        ) from None


def _insert_customer(
    db: Database, now: datetime, command: CreateCustomer, phone: str | None, region: str | None
) -> CustomerView:
    with db.transaction() as session:
        customer = Customer(
            email=command.email,
            name=command.name,
            phone=phone,
            language=command.language,
            tier=command.tier,
            external_ref=command.external_ref,
            created_at=now,
        )
        session.add(customer)
        session.flush()
        rows = [identity_row(customer.id, IdentityKind.EMAIL, command.email, region, now)]
        if command.phone:
            rows.append(identity_row(customer.id, IdentityKind.PHONE, command.phone, region, now))
        session.execute(_INSERT_IDENTITY, rows)
        return CustomerView.of(customer)


def find_customers(
    db: Database, principal: Principal, email: str | None, limit: int, after_id: int | None
) -> list[CustomerView]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        query = select(Customer).order_by(Customer.id).limit(limit)
        if email:
            try:
                query = query.where(Customer.email == email_address(email))
            except InvalidInput:
                return []
        if after_id is not None:
            query = query.where(Customer.id > after_id)
        return [CustomerView.of(c) for c in session.scalars(query)]
