"""Cases: create one from an inbound contact, change its fields, add messages, notes and calls.

Each change and its timeline events commit in one transaction; outgoing replies go to the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import (
    MAX_LEVEL,
    MIN_LEVEL,
    CaseStatus,
    Channel,
    EventKind,
    Priority,
)
from sopdesk.domain.clock import Clock
from sopdesk.domain.mail_threading import one_line
from sopdesk.domain.principal import Principal
from sopdesk.domain.routing import route_by_category
from sopdesk.engine import sla
from sopdesk.engine.customers import require_staff
from sopdesk.engine.new_cases import write_new_case
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.routing import check_signals
from sopdesk.engine.timeline import append_event
from sopdesk.errors import Forbidden, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, Case, CaseEvent, Order

Tag = Field(min_length=1, max_length=50, pattern=r"^[\w][\w .:/-]*$")


class DeskFacts(Protocol):
    """What case handling needs to know of the loaded desk."""

    @property
    def version(self) -> str: ...

    @property
    def columns(self) -> list[Any]: ...

    def category(self, slug: str) -> Any: ...


class CreateCase(BaseModel):
    """An inbound contact that becomes a case."""

    customer_email: EmailStr
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

    @field_validator("subject", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return one_line(value)  # a subject becomes a mail header: no CR/LF (hardening)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return _valid_tags(value)


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


@dataclass(frozen=True)
class CaseView:
    id: int
    customer_id: int
    order_id: int | None
    partner_id: int | None
    subject: str
    channel: str
    category: str | None
    level: int
    priority: str
    status: str
    board_column: str | None
    assignee_id: int | None
    tags: list[str]
    language: str
    desk_version: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of_row(cls, case_id: int, row: dict[str, Any]) -> CaseView:
        """The view of a case from its columns (as `write_new_case` wrote them)."""
        values = {name: row[name] for name in _VIEW_COLUMNS}
        return cls(id=case_id, **{**values, "tags": list(row["tags"] or [])})

    @classmethod
    def of(cls, case: Case) -> CaseView:
        return cls(
            case.id,
            case.customer_id,
            case.order_id,
            case.partner_id,
            case.subject,
            case.channel,
            case.category,
            case.level,
            case.priority,
            case.status,
            case.board_column,
            case.assignee_id,
            list(case.tags or []),
            case.language,
            case.desk_version,
            case.created_at,
            case.updated_at,
            case.due_at,
            case.closed_at,
        )


_VIEW_COLUMNS = tuple(f.name for f in fields(CaseView) if f.name != "id")


def _category_level(desk: DeskFacts, slug: str | None, field: str) -> int | None:
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
    db: Database, principal: Principal, desk: DeskFacts, command: CreateCase
) -> CasePlan:
    require_staff(principal)
    level = _category_level(desk, command.category, "category")
    check_signals(desk, command.signals)
    decision = route_by_category(command.category, level)
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
    return CasePlan(order_id, partner_id, decision.level, decision.explanation)


def do_create_case(
    db: Database,
    clock: Clock,
    desk: DeskFacts,
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
    desk: DeskFacts,
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


def load_case(session: Session, principal: Principal, case_id: int) -> Case:
    """The case, if it exists and the principal may see it."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    if not principal.sees_level(case.level):
        raise Forbidden(
            f"case {case_id} is at level {case.level}; your level ({principal.level}) "
            "cannot open it"
        )
    return case


def get_case(db: Database, principal: Principal, case_id: int) -> CaseView:
    require_staff(principal)
    with db.transaction(write=False) as session:
        return CaseView.of(load_case(session, principal, case_id))


# --- changing fields ------------------------------------------------------------------------


class ChangeCase(BaseModel):
    """Fields to change; only the fields present in the request change."""

    status: CaseStatus | None = None
    priority: Priority | None = None
    level: int | None = Field(default=None, ge=MIN_LEVEL, le=MAX_LEVEL)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    board_column: str | None = Field(default=None, min_length=1, max_length=100)
    assignee_id: int | None = None
    tags: list[str] | None = Field(default=None, max_length=30)
    reason: str | None = Field(default=None, max_length=1000)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _valid_tags(value)

    def changes(self) -> dict[str, Any]:
        """The fields the caller set (an explicit null unassigns or clears)."""
        fields = self.model_fields_set - {"reason"}
        return {name: getattr(self, name) for name in sorted(fields)}


_NOT_NULLABLE = ("status", "priority", "level", "tags")


def check_change_case(
    db: Database, principal: Principal, desk: DeskFacts, case_id: int, command: ChangeCase
) -> dict[str, Any]:
    """Validates a change; returns the field changes to apply."""
    require_staff(principal)
    changes = command.changes()
    if not changes:
        raise InvalidInput("nothing to change: send at least one field")
    for name in _NOT_NULLABLE:
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"{name} cannot be empty",
                errors=[{"loc": ["body", name], "msg": "may not be null"}],
            )
    if "category" in changes:
        _category_level(desk, changes["category"], "category")
    column = changes.get("board_column")
    if column is not None and column not in {c.slug for c in desk.columns}:
        raise InvalidInput(
            f"unknown board column '{column}'",
            errors=[{"loc": ["body", "board_column"], "msg": f"unknown column '{column}'"}],
        )
    if changes.get("status") == CaseStatus.SPAM and principal.level < 2 and principal.is_agent:
        # Seed 002: clearing spam is a level-2 duty.
        raise Forbidden("closing a case as spam needs level 2 or above")
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        assignee = changes.get("assignee_id")
        if assignee is not None:
            agent = session.get(Agent, assignee)
            if agent is None or not agent.active:
                raise InvalidInput(
                    f"no active agent with id {assignee}",
                    errors=[{"loc": ["body", "assignee_id"], "msg": "no such active agent"}],
                )
    return changes


def _stored(name: str, value: Any) -> Any:
    if isinstance(value, CaseStatus | Priority):
        return value.value
    return value


def do_change_case(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    changes: dict[str, Any],
    reason: str | None,
    desk: object = None,
) -> CaseView:
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id)
        for name, value in changes.items():
            new = _stored(name, value)
            old = getattr(case, name)
            if old == new:
                continue
            setattr(case, name, new)
            if name == "priority":
                case.priority_rank = Priority(new).rank
            if name == "status":
                case.closed_at = None if CaseStatus(new).is_open else now
                sla.on_status_change(session, desk, case, old, new, now)
            append_event(
                session,
                case.id,
                EventKind.FIELD_CHANGE,
                now,
                principal,
                body=reason,
                data={"field": name, "from": old, "to": new},
            )
        case.updated_at = now
        if {"category", "board_column"} & changes.keys():
            from sopdesk.engine.playbooks import start_triggered_runs

            for column in {"board_column" in changes, "category" not in changes}:
                start_triggered_runs(session, desk, case, now, principal, column=column)
        return CaseView.of(case)


# --- messages, notes, calls -----------------------------------------------------------------


class AddMessage(BaseModel):
    """A reply to the customer, an inbound message logged by hand, a note, or a phone call."""

    kind: Literal["reply", "inbound", "note", "call"]
    body: str = Field(min_length=1, max_length=200_000)
    channel: Channel | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


_KIND_EVENT = {
    "reply": EventKind.MESSAGE_OUT,
    "inbound": EventKind.MESSAGE_IN,
    "note": EventKind.NOTE,
    "call": EventKind.CALL,
}


def check_add_message(db: Database, principal: Principal, case_id: int, command: Any) -> None:
    require_staff(principal)
    if command.kind != "call" and command.duration_seconds is not None:
        raise InvalidInput("duration_seconds is only for calls")
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)


def do_add_message(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    command: AddMessage,
    desk: object = None,
) -> dict[str, Any]:
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id)
        channel = (command.channel or Channel(case.channel)).value
        if command.kind == "call":
            channel = Channel.PHONE.value
        data: dict[str, Any] = {}
        if command.duration_seconds is not None:
            data["duration_seconds"] = command.duration_seconds
        event = append_event(
            session,
            case.id,
            _KIND_EVENT[command.kind],
            now,
            principal,
            body=command.body,
            channel=channel,
            data=data,
        )
        session.flush()
        if command.kind == "reply":
            # Delivered by the worker through the channel adapter; written here so the reply
            # and its sending commit together.
            write_outbox(
                session,
                OutboxKind.MESSAGE,
                key=f"message-out:{event.id}",
                case_id=case.id,
                payload={"event_id": event.id, "channel": channel},
                now=now,
            )
            if case.status == CaseStatus.NEW.value:
                _set_status(session, case, CaseStatus.OPEN, now, principal)
            sla.on_agent_reply(session, desk, case, now)
        elif command.kind == "inbound":
            if case.status in (CaseStatus.WAITING_CUSTOMER.value, CaseStatus.SOLVED.value):
                old = case.status
                _set_status(session, case, CaseStatus.OPEN, now, principal)
                sla.on_status_change(session, desk, case, old, case.status, now)
            sla.on_customer_message(session, desk, case, now)
            from sopdesk.engine.playbooks import feed_reply

            feed_reply(session, desk, case, "customer", now, principal)
        case.updated_at = now
        return {"id": event.id, "kind": event.kind, "at": now}


def _set_status(
    session: Session, case: Case, status: CaseStatus, now: datetime, actor: Principal
) -> None:
    old = case.status
    case.status = status.value
    case.closed_at = None if status.is_open else now
    append_event(
        session,
        case.id,
        EventKind.FIELD_CHANGE,
        now,
        actor,
        data={"field": "status", "from": old, "to": status.value},
    )
