"""The doors of the case core for agents (API, console, CLI): change a case's fields, add a
reply, a logged message, a note or a call. Creation lives in sopdesk.engine.new_cases.

Each change and its timeline events commit in one transaction; what follows from a change is
decided once, in sopdesk.engine.case_fields, replies and customer_messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import MAX_LEVEL, MIN_LEVEL, CaseStatus, Channel, EventKind, Priority
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.macro_edits import edit_distance, edit_share
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.case_fields import check_assignee, set_fields
from sopdesk.engine.case_items import (
    chosen_item_ids,
    order_lines,
    refuse_odd_items,
    replace_items,
)
from sopdesk.engine.case_views import CaseView, get_case
from sopdesk.engine.customer_messages import customer_wrote
from sopdesk.engine.draft_refill import refill_drafts
from sopdesk.engine.macro_context import case_facts, render_case_macro, template_context
from sopdesk.engine.new_cases import (
    CasePlan,
    CreateCase,
    _category_level,
    _valid_tags,
    check_create_case,
    do_create_case,
    insert_case,
)
from sopdesk.engine.playbooks import follow_up_changes
from sopdesk.engine.replies import OutgoingMessage, desk_replied
from sopdesk.engine.routing import check_signals
from sopdesk.engine.timeline import append_event
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Case

__all__ = [
    "AddMessage",
    "CasePlan",
    "CaseView",
    "ChangeCase",
    "CreateCase",
    "SetCaseItems",
    "check_add_message",
    "check_change_case",
    "check_create_case",
    "check_set_case_items",
    "do_add_message",
    "do_change_case",
    "do_create_case",
    "do_set_case_items",
    "get_case",
    "get_case_item_ids",
    "insert_case",
    "load_case",
]


class ChangeCase(BaseModel):
    """Fields to change; only the fields present in the request change."""

    status: CaseStatus | None = None
    priority: Priority | None = None
    level: int | None = Field(default=None, ge=MIN_LEVEL, le=MAX_LEVEL)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    signals: list[str] | None = Field(default=None, max_length=10)
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


_NOT_NULLABLE = ("status", "priority", "level", "tags", "signals")


def check_change_case(
    db: Database, principal: Principal, desk: Desk, case_id: int, command: ChangeCase
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
    if "signals" in changes:
        check_signals(desk, changes["signals"])
    column = changes.get("board_column")
    if column is not None and column not in {c.slug for c in desk.columns}:
        raise InvalidInput(
            f"unknown board column '{column}'",
            errors=[{"loc": ["body", "board_column"], "msg": f"unknown column '{column}'"}],
        )
    action = (
        CaseAction.CLEAR_SPAM if changes.get("status") == CaseStatus.SPAM else CaseAction.CHANGE
    )
    with db.transaction(write=False) as session:
        case = load_case(session, principal, case_id, action)
        assignee = changes.get("assignee_id")
        if assignee is not None:
            check_assignee(session, assignee, changes.get("level") or case.level)
    return changes


def do_change_case(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    changes: dict[str, Any],
    reason: str | None,
    desk: Desk,
) -> CaseView:
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        changed = set_fields(session, desk, case, changes, principal, now, reason=reason)
        follow_up_changes(session, desk, case, changed, now, principal)
        case.updated_at = now
        return CaseView.of(case)


# --- the order lines the case is about -------------------------------------------------------


class SetCaseItems(BaseModel):
    """Which lines of the case's order the case is about (an empty list: not known)."""

    item_ids: list[int] = Field(max_length=500)
    reason: str | None = Field(default=None, max_length=1000)


def get_case_item_ids(db: Database, principal: Principal, case_id: int) -> list[int]:
    """The ids of the order lines the case is about, as chosen so far (none: not said)."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        return chosen_item_ids(session, case_id)


def check_set_case_items(
    db: Database, principal: Principal, case_id: int, command: SetCaseItems
) -> None:
    """The case has an order and every id is one of its lines; else a message saying so."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE)
        lines = order_lines(session, case.order_id)
        if case.order_id is None and command.item_ids:
            raise InvalidInput(
                "the case has no order, so it cannot be about an order's items",
                errors=[{"loc": ["body", "item_ids"], "msg": "the case has no order"}],
            )
        refuse_odd_items(lines, command.item_ids)


def do_set_case_items(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    command: SetCaseItems,
    desk: Desk,
) -> list[dict[str, Any]]:
    """Sets the case's items (a `field_change` event `items` when they change; drafts held for
    a missing value are filled in where the items now give it); returns them."""
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        lines = order_lines(session, case.order_id)
        ids = command.item_ids
        if replace_items(session, case.id, lines, ids, principal, now, command.reason):
            case.updated_at = now
            refill_drafts(session, desk, case, now)
        chosen = set(chosen_item_ids(session, case.id))
        return [{"id": i.id, "sku": i.sku, "name": i.name} for i in lines if i.id in chosen]


# --- messages, notes, calls -----------------------------------------------------------------


class AddMessage(BaseModel):
    """A reply to the customer, an inbound message logged by hand, a note, or a phone call."""

    kind: Literal["reply", "inbound", "note", "call"]
    body: str = Field(min_length=1, max_length=200_000)
    channel: Channel | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    # The macro a reply started from: the reply records how much it was edited (stale macros).
    macro: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


def macro_edit(
    session: Session, desk: Desk, case: Case, command: AddMessage, now: datetime
) -> dict[str, Any]:
    """What a reply records of the macro it started from: the macro, the words changed and
    their share (the macro rendered for this case now, against what was sent)."""
    macro = desk.macros.get(command.macro) if command.macro else None
    if macro is None:
        return {}
    facts = case_facts(session, desk, case, now)
    try:
        rendered = render_case_macro(macro, case, desk, template_context(facts, {})).body
    except InvalidInput:
        return {"macro": macro.slug}  # it could not be filled in: the agent wrote it all
    return {
        "macro": macro.slug,
        "macro_edits": edit_distance(rendered, command.body),
        "macro_edit_share": edit_share(rendered, command.body),
    }


_KIND_EVENT = {"note": EventKind.NOTE, "call": EventKind.CALL}


def check_macro(desk: Desk, command: AddMessage) -> None:
    """A reply's macro must be one of the desk's (replies only)."""
    if command.macro is None:
        return
    if command.kind != "reply":
        raise InvalidInput("macro is only for replies")
    if command.macro not in desk.macros:
        raise InvalidInput(f"there is no macro {command.macro!r} in this desk")


def check_add_message(db: Database, principal: Principal, case_id: int, command: Any) -> None:
    require_staff(principal)
    if command.kind != "call" and command.duration_seconds is not None:
        raise InvalidInput("duration_seconds is only for calls")
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id, CaseAction.CHANGE)


def do_add_message(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    command: AddMessage,
    desk: Desk,
) -> dict[str, Any]:
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        channel = (command.channel or Channel(case.channel)).value
        if command.kind == "reply":
            # A reply written by a person answers the customer (response clocks stop).
            edits = macro_edit(session, desk, case, command, now)
            message = OutgoingMessage(body=command.body, channel=channel, data=edits)
            event = desk_replied(
                session, desk, case, message, principal, now, ReplyOrigin.PERSON
            ).event
        elif command.kind == "inbound":
            event = customer_wrote(
                session, desk, case, principal, now, body=command.body, channel=channel
            )
        else:
            data: dict[str, Any] = {}
            if command.kind == "call":
                channel = Channel.PHONE.value
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
        case.updated_at = now
        at: datetime = now
        return {"id": event.id, "kind": event.kind, "at": at}
