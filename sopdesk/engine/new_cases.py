"""Writing a new case: routing and SLA clocks decided first, then its rows in a few Core INSERTs.

The case row goes in once, complete (level, assignee and due time known), with its events,
clocks and timers in batches: no ORM unit of work on the intake path (see bench/ingest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from sopdesk.domain.cases import CaseStatus, EventKind
from sopdesk.domain.principal import Principal
from sopdesk.domain.routing import route_by_category
from sopdesk.domain.sla import SlaFacts
from sopdesk.engine import sla
from sopdesk.engine.customers import ensure_customer_facts
from sopdesk.engine.routing import route_new_case
from sopdesk.engine.timeline import NewEvent, append_events
from sopdesk.store.models import Case

if TYPE_CHECKING:
    from sopdesk.engine.cases import CasePlan, CreateCase, DeskFacts

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
    desk: DeskFacts,
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
    customer = ensure_customer_facts(session, command.customer_email, command.customer_name, now)
    offense = _offense_kind(desk, command.category)
    fallback = route_by_category(command.category, plan.level if command.category else None)
    routed = route_new_case(
        session,
        desk,
        customer,
        command.category,
        plan.order_id,
        command.signals,
        now,
        fallback,
        offense,
    )
    channel = command.channel.value
    facts = SlaFacts(command.priority.value, routed.category, channel, routed.level, customer.tier)
    clocks = sla.plan_case_clocks(desk, facts, now)
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
        "priority": command.priority.value,
        "priority_rank": command.priority.rank,
        "status": CaseStatus.NEW.value,
        "board_column": None,
        "assignee_id": routed.assignee_id,
        "tags": command.tags,
        "language": command.language or "en",
        "desk_version": desk.version,
        "created_at": now,
        "updated_at": now,
        "due_at": min(due) if due else None,
        "closed_at": None,
    }
    case_id = int(session.execute(_INSERT_CASE, row).scalar_one())
    sla_events = sla.write_case_clocks(session, case_id, clocks, now)
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
            data={"from": command.customer_email, **(message_data or {})},
        ),
        NewEvent.of(
            case_id, EventKind.ROUTING, now, principal, body=routed.explanation, data=routed.data
        ),
        *sla_events,
    ]
    ids = append_events(session, events, returning=message_id)
    row = _start_playbooks(session, desk, case_id, row, now, principal)
    return NewCase(case_id, row, ids[1] if message_id else None)


def _start_playbooks(
    session: Session,
    desk: DeskFacts,
    case_id: int,
    row: dict[str, Any],
    now: datetime,
    principal: Principal,
) -> dict[str, Any]:
    """Starts the playbooks the case's category triggers; returns the case's columns as they
    are after (a playbook may change the case). Most cases start none and load nothing."""
    playbooks = getattr(desk, "playbooks", None)
    category = row["category"]
    if not playbooks or category is None:
        return row
    if not any(category in p.trigger.categories for p in playbooks.values()):
        return row
    from sopdesk.engine.playbooks import start_triggered_runs  # playbooks imports cases

    case = session.get(Case, case_id)
    assert case is not None  # inserted above, in this transaction
    start_triggered_runs(session, desk, case, now, principal, column=False)
    session.flush()
    return {column.key: getattr(case, column.key) for column in CASES.columns if column.key != "id"}


def _offense_kind(desk: DeskFacts, slug: str | None) -> str | None:
    """The offense kind a case of this category counts as (None outside a full desk)."""
    if slug is None:
        return None
    category = desk.category(slug)
    offense = getattr(category, "offense", None)
    return offense if isinstance(offense, str) else None
