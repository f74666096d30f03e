"""The tables of sopdesk (SQLAlchemy 2 declarative models).

Cases and their append-only timeline, customers with identities and links, partners, orders,
agents with hashed API tokens, and the durable timer and outbox rows the worker delivers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sopdesk.store.types import UtcDateTime

# Deterministic constraint names so Alembic batch mode on SQLite can alter them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[str]: JSON}


# --- customers ------------------------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10), default="en")
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )


class CustomerIdentity(Base):
    """One way to recognise a customer: an e-mail, a phone number, a postal address."""

    __tablename__ = "customer_identities"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "normalized", name="uq_identity_per_customer"),
        Index("ix_identity_lookup", "kind", "normalized"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500))
    normalized: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="identities")


class CustomerLink(Base):
    """Two customer accounts known to be one person, and why (the escalation matrix asks)."""

    __tablename__ = "customer_links"
    __table_args__ = (UniqueConstraint("customer_id", "linked_id", name="uq_customer_link"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    linked_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


# --- partners -------------------------------------------------------------------------------


class Partner(Base):
    """A business the desk works with on cases, e.g. a shop on a marketplace."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]


class PartnerUser(Base):
    __tablename__ = "partner_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


# --- commerce -------------------------------------------------------------------------------


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
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
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


# --- agents ---------------------------------------------------------------------------------


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, default=1)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ApiToken(Base):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


# --- cases ----------------------------------------------------------------------------------


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # Keyset pagination for the queue views: filter by status and level, then walk by
        # due time or priority with the id as tie-breaker.
        Index("ix_cases_queue_due", "status", "level", "due_at", "id"),
        Index("ix_cases_queue_priority", "status", "level", "priority_rank", "id"),
        Index("ix_cases_assignee", "assignee_id", "status", "id"),
        Index("ix_cases_category", "category", "id"),
        Index("ix_cases_column", "board_column", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    offense: Mapped[str | None] = mapped_column(String(80))  # offense kind, fixed at creation
    level: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    priority_rank: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(30), default="new")
    board_column: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="en")
    desk_version: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class CaseEvent(Base):
    """One entry of a case's timeline. Rows are only ever inserted, never updated."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Id)
    channel: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attachment(Base):
    """A file on a timeline event; the bytes live on disk under their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]


# --- durable work ---------------------------------------------------------------------------


class Timer(Base):
    """A durable timer: fires once at `due_at`, claimed by exactly one worker."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "due_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A side effect written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


# --- SLA clocks -----------------------------------------------------------------------------


class SlaClockRow(Base):
    """One SLA clock of a case (first response, next response or resolution) under a policy.

    `due_at` is set only while the clock runs; `token` changes on every pause, resume and
    restart, so a timer written for an earlier stretch is recognised as stale and ignored.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("case_id", "metric", name="uq_sla_clock_metric"),
        # "At risk of breach in the next hour": a range scan over running clocks' due times.
        Index("ix_sla_clocks_due", "due_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    policy: Mapped[str] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(80))
    business: Mapped[bool] = mapped_column(Boolean, default=True)
    target_seconds: Mapped[float] = mapped_column(Float)
    warn_seconds: Mapped[float | None] = mapped_column(Float)
    consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime]
    running_since: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    breached_at: Mapped[datetime | None]
    token: Mapped[int] = mapped_column(Integer, default=0)


# --- playbook runs --------------------------------------------------------------------------


class PlaybookVersion(Base):
    """A playbook definition by its content hash; runs keep the version they started with."""

    __tablename__ = "playbook_versions"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class PlaybookRun(Base):
    """One run of a playbook on a case; `state` is the interpreter's RunState as JSON.

    `revision` is an optimistic lock (SQLAlchemy's version counter): every UPDATE bumps it and
    matches the revision it read, so a change made meanwhile by someone else is refused.
    """

    __tablename__ = "playbook_runs"
    __table_args__ = (
        Index("ix_playbook_runs_case", "case_id", "id"),
        Index("ix_playbook_runs_waiting", "status", "wait_until", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    playbook: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(ForeignKey("playbook_versions.hash"))
    status: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(100))
    waiting_for: Mapped[str | None] = mapped_column(String(200))
    wait_until: Mapped[datetime | None]
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": revision}


class LedgerEntry(Base):
    """A resolution in money or goods: refund, replacement, credit; and who pays for it."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("playbook_runs.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    paid_by: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


# --- e-mail ---------------------------------------------------------------------------------


class EmailMessage(Base):
    """A Message-ID seen in or sent out, with the case event that recorded it.

    The unique Message-ID makes duplicate detection a constraint, not a scan: of two concurrent
    deliveries of the same mail only one insert can commit.
    """

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
