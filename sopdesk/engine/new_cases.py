"""Creating a case, from every door (API, console, e-mail, form, bot): the one place it happens.

Routing and SLA clocks are decided first, then its rows go in with a few Core INSERTs.

The case row goes in once, complete (level, assignee and due time known), with its events,
clocks and timers in batches: no ORM unit of work on the intake path (see bench/ingest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import CaseStatus, Channel, EventKind, IdentityKind, Priority
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.identity import identity_form
from sopdesk.domain.mail_threading import one_line
from sopdesk.domain.principal import Principal
from sopdesk.domain.routing import route_by_category
from sopdesk.domain.sla import SlaFacts
from sopdesk.engine import sla_start
from sopdesk.engine.access import require_staff
from sopdesk.engine.case_items import name_items_at_intake, order_lines, refuse_odd_items
from sopdesk.engine.case_views import CaseView
from sopdesk.engine.customers import customer_facts, ensure_contact_customer, phone_region
from sopdesk.engine.playbooks import start_triggered_runs
from sopdesk.engine.routing import check_signals, route_new_case
from sopdesk.engine.sla_notify import mail_notes
from sopdesk.engine.timeline import NewEvent, append_events
from sopdesk.engine.triage_intake import triage_contact
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Order

Tag = Field(min_length=1, max_length=50, pattern=r"^[\w][\w .:/-]*$")


class CreateCase(BaseModel):
    """An inbound contact that becomes a case. The customer is named by `customer_id` (a known
    account), `customer_email`, or `customer_phone` (a caller; any form the desk can read)."""

    customer_id: int | None = Field(default=None, ge=1)
    customer_email: EmailStr | None = None
    customer_phone: str | None = Field(default=None, min_length=3, max_length=40)
    customer_name: str = Field(default="", max_length=200)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    channel: Channel = Channel.API
    order_ref: str | None = Field(default=None, min_length=1, max_length=100)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    priority: Priority = Priority.NORMAL
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-\w+)?$")
    tags: list[str] = Field(default_factory=list, max_length=30)
    signals: list[str] = Field(default_factory=list, max_length=10)  # fraud, legal-threat, ...
    # The lines of the order the case is about, chosen by the agent opening it (ids as
    # GET /orders/{ref} lists them); without them, the lines the message names.
    item_ids: list[int] = Field(default_factory=list, max_length=50)

    @field_validator("subject", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return one_line(value)  # a subject becomes a mail header: no CR/LF

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _valid_tags(value)

    @model_validator(mode="after")
    def _someone(self) -> CreateCase:
        if self.customer_id is None and not self.customer_email and not self.customer_phone:
            raise ValueError(
                "say who the customer is: a customer_id, a customer_email or a customer_phone"
            )
        return self

    def sender(self) -> str:
        """Who the first message is from, as the timeline shows it."""
        return self.customer_email or self.customer_phone or f"customer {self.customer_id}"


def _valid_tags(tags: list[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = tag.strip().lower()
        if not tag or len(tag) > 50 or any(c in tag for c in ",\n\r\t"):
            raise ValueError(f"tag {tag!r} must be 1-50 characters without commas or newlines")
        cleaned.append(tag)
    return sorted(set(cleaned))


@dataclass(frozen=True)
class CasePlan:
    """What check_create_case found out, handed to do_create_case."""

    order_id: int | None
    partner_id: int | None
    level: int
    routing: str
    phone_e164: str | None = None


def _category_level(desk: Desk, slug: str | None, field: str) -> int | None:
    if slug is None:
        return None
    category = desk.category(slug)
    if category is None:
        raise InvalidInput(
            f"unknown category '{slug}'; GET /api/v1/taxonomy lists the categories",
            errors=[{"loc": ["body", field], "msg": f"unknown category '{slug}'"}],
        )
    return int(category.level)


def check_create_case(
    db: Database, principal: Principal, desk: Desk, command: CreateCase
) -> CasePlan:
    require_staff(principal)
    level = _category_level(desk, command.category, "category")
    check_signals(desk, command.signals)
    decision = route_by_category(command.category, level)
    phone = _phone(desk, command.customer_phone)
    if command.customer_id is not None:
        with db.transaction(write=False) as session:
            customer_facts(session, command.customer_id)
    order_id = partner_id = None
    if command.order_ref is not None:
        with db.transaction(write=False) as session:
            row = session.execute(
                select(Order.id, Order.partner_id).where(Order.external_ref == command.order_ref)
            ).first()
        if row is None:
            raise InvalidInput(
                f"no order with reference '{command.order_ref}'; import it first",
                errors=[{"loc": ["body", "order_ref"], "msg": "unknown order reference"}],
            )
        order_id, partner_id = row
    _check_items(db, order_id, command.item_ids)
    return CasePlan(order_id, partner_id, decision.level, decision.explanation, phone)


def _check_items(db: Database, order_id: int | None, item_ids: list[int]) -> None:
    if not item_ids:
        return
    if order_id is None:
        raise InvalidInput(
            "choose the order before its items: the case has no order",
            errors=[{"loc": ["body", "item_ids"], "msg": "no order_ref"}],
        )
    with db.transaction(write=False) as session:
        lines = order_lines(session, order_id)
    refuse_odd_items(lines, item_ids)


def _phone(desk: Desk, phone: str | None) -> str | None:
    """The caller's phone in E.164, read in the desk's region; InvalidInput names the field."""
    if not phone:
        return None
    try:
        return identity_form(IdentityKind.PHONE, phone, phone_region(desk))
    except InvalidInput as exc:
        raise InvalidInput(
            f"{exc.message}; write the number with its country code, e.g. +1 555 010 0199",
            errors=[{"loc": ["body", "customer_phone"], "msg": exc.message}],
        ) from None


def do_create_case(
    db: Database,
    clock: Clock,
    desk: Desk,
    principal: Principal,
    command: CreateCase,
    plan: CasePlan,
) -> CaseView:
    with db.transaction() as session:
        written = write_new_case(session, clock.now(), desk, principal, command, plan)
        return CaseView.of_row(written.id, written.row)


def insert_case(
    session: Session,
    now: datetime,
    desk: Desk,
    principal: Principal,
    command: CreateCase,
    plan: CasePlan,
    *,
    message_data: dict[str, Any] | None = None,
) -> tuple[Case, CaseEvent]:
    """The inserts of do_create_case inside the caller's transaction (e-mail intake adds the
    original and the attachments to the same transaction); returns the case and its message,
    loaded into the session for callers that go on with them."""
    written = write_new_case(
        session, now, desk, principal, command, plan, message_data=message_data, message_id=True
    )
    case = session.get(Case, written.id)
    message = session.get(CaseEvent, written.message_id)
    assert case is not None and message is not None  # written above, in this transaction
    return case, message


CASES = cast(Table, Case.__table__)
_INSERT_CASE = insert(CASES).returning(CASES.c.id)


@dataclass(frozen=True)
class NewCase:
    """A case just written: its id, its `cases` columns and the id of its first message (when
    asked for)."""

    id: int
    row: dict[str, Any]
    message_id: int | None


def write_new_case(
    session: Session,
    now: datetime,
    desk: Desk,
    principal: Principal,
    command: CreateCase,
    plan: CasePlan,
    *,
    message_data: dict[str, Any] | None = None,
    message_id: bool = False,
) -> NewCase:
    """Writes a case from an inbound contact inside the caller's transaction: the customer if
    new, the case, its timeline (created, message, routing, SLA starts), clocks and timers, and
    the playbooks its category starts. `message_id` asks for the message event's id."""
    # A contact without a category is read by triage first (sopdesk/engine/triage_intake.py),
    # before the first write: triage is CPU work, and an uncommitted customer row would make
    # every other intake from that customer wait for it (bench/load.py).
    triaged = (
        triage_contact(desk, command.subject, command.body) if command.category is None else None
    )
    customer = ensure_contact_customer(
        session,
        now,
        customer_id=command.customer_id,
        email=command.customer_email,
        phone_e164=plan.phone_e164,
        name=command.customer_name,
    )
    category = triaged.category if triaged else command.category
    signals = sorted({*command.signals, *(triaged.signals if triaged else ())})
    priority = command.priority
    if triaged and triaged.priority and "priority" not in command.model_fields_set:
        priority = max(priority, triaged.priority, key=lambda p: p.rank)
    offense = _offense_kind(desk, category)
    routed = route_new_case(session, desk, customer, category, plan.order_id, signals, now, offense)
    channel = command.channel.value
    facts = SlaFacts(priority.value, routed.category, channel, routed.level, customer.tier)
    clocks = sla_start.plan_case_clocks(desk, facts, now)
    due = [c["due_at"] for c in clocks if c["due_at"] is not None]
    subject = command.subject.strip()
    row: dict[str, Any] = {
        "customer_id": customer.id,
        "order_id": plan.order_id,
        "partner_id": plan.partner_id,
        "subject": subject,
        "channel": channel,
        "category": routed.category,
        "offense": offense,  # counted as an offense from now on (routing counted it already)
        "level": routed.level,
        "priority": priority.value,
        "priority_rank": priority.rank,
        "status": CaseStatus.NEW.value,
        "board_column": None,
        "assignee_id": routed.assignee_id,
        "tags": sorted({*command.tags, *(triaged.tags if triaged else ())}),
        "signals": signals,
        "language": command.language or (triaged.language if triaged else None) or "en",
        "desk_version": desk.version,
        "created_at": now,
        "updated_at": now,
        "due_at": min(due) if due else None,
        "closed_at": None,
    }
    case_id = int(session.execute(_INSERT_CASE, row).scalar_one())
    values = {
        "id": case_id,
        "subject": subject,
        "level": routed.level,
        "priority": row["priority"],
        "timezone": desk.timezone,
    }
    sla_events, start_mails = sla_start.write_case_clocks(session, desk, values, clocks, now)
    events = [
        NewEvent.of(
            case_id,
            EventKind.CASE_CREATED,
            now,
            principal,
            channel=channel,
            data={"subject": subject, "desk_version": desk.version},
        ),
        NewEvent.of(
            case_id,
            EventKind.MESSAGE_IN,
            now,
            principal,
            body=command.body,
            channel=channel,
            data={"from": command.sender(), **(message_data or {})},
        ),
        NewEvent.of(
            case_id, EventKind.ROUTING, now, principal, body=routed.explanation, data=routed.data
        ),
        *sla_events,
    ]
    if triaged is not None:
        events.append(
            NewEvent.of(
                case_id,
                EventKind.TRIAGE,
                now,
                Principal.system(),
                body=triaged.decision.explanation,
                data=triaged.event_data(),
            )
        )
    if plan.order_id is not None:
        text = f"{subject}\n{command.body}"
        named = name_items_at_intake(
            session, case_id, plan.order_id, text, now, principal, command.item_ids
        )
        if named is not None:
            events.append(named)
    ids = append_events(session, events, returning=message_id)
    mail_notes(session, start_mails, f"case:{case_id}:sla-start", now)
    row = _start_playbooks(session, desk, case_id, row, now, principal)
    return NewCase(case_id, row, ids[1] if message_id else None)


def _start_playbooks(
    session: Session,
    desk: Desk,
    case_id: int,
    row: dict[str, Any],
    now: datetime,
    principal: Principal,
) -> dict[str, Any]:
    """Starts the playbooks the case's category triggers; returns the case's columns as they
    are after (a playbook may change the case). Most cases start none and load nothing."""
    category = row["category"]
    if category is None:
        return row
    if not any(category in p.trigger.categories for p in desk.playbooks.values()):
        return row
    case = session.get(Case, case_id)
    assert case is not None  # inserted above, in this transaction
    start_triggered_runs(session, desk, case, now, principal, column=False)
    session.flush()
    return {column.key: getattr(case, column.key) for column in CASES.columns if column.key != "id"}


def _offense_kind(desk: Desk, slug: str | None) -> str | None:
    """The offense kind a case of this category counts as, if any."""
    category = desk.categories.get(slug) if slug is not None else None
    return category.offense if category is not None else None
