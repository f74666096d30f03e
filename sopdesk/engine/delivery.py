"""How the desk's messages reach the customer, and the delivery state of each on the timeline.

`queue_reply` is the one place a reply to the customer is handed to a channel: it asks the
domain for the customer's reachable route and writes the outbox row (e-mail), or tells the agent
on the timeline why nothing was sent (call back; no way to reach them); a reply to a customer
with the chat widget open is shown there (an outbox row the widget's poll delivers).
`delivery_states` and `cases_with_failed_delivery` read the state of
messages back from their outbox rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import Channel, EventKind
from sopdesk.domain.delivery import (
    DeliveryState,
    Reach,
    Route,
    delivery_state,
    not_sent_reason,
    reply_route,
)
from sopdesk.domain.principal import Principal
from sopdesk.engine.outbox import DEAD, NOTE_WHEN_SENT, PENDING, OutboxKind, write_outbox
from sopdesk.engine.timeline import append_event
from sopdesk.engine.widget_sessions import widget_open
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Customer, OutboxMessage


def reach_of(session: Session, case: Case, now: datetime) -> Reach:
    """What the desk knows about reaching the case's customer now: their addresses, and
    whether the chat widget the case came from is open (it polled a moment ago)."""
    customer = session.get(Customer, case.customer_id)
    if customer is None:
        return Reach()
    return Reach(
        email=customer.email or None,
        widget_open=widget_open(session, case, now),
        phone=customer.phone or None,
    )


def route_for(session: Session, case: Case, now: datetime) -> Route:
    """The route a reply on this case takes now."""
    return reply_route(reach_of(session, case, now))


def queue_reply(
    session: Session,
    case: Case,
    event: CaseEvent,
    now: datetime,
    *,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Hands the desk's message `event` (flushed, so it has an id) to the customer's route, in
    the caller's transaction: an outbox row for e-mail (returned), else a note that says why
    not (None). `key` is the row's idempotency key (default: the event's)."""
    reach = reach_of(session, case, now)
    route = reply_route(reach)
    if route is Route.WIDGET:
        return write_outbox(
            session,
            OutboxKind.WIDGET,
            key=key or f"message-out:{event.id}",
            case_id=case.id,
            payload={
                **(payload or {}),
                "event_id": event.id,
                "channel": Channel.CHAT.value,
                "route": route.value,
            },
            now=now,
        )
    if route is Route.EMAIL:
        return write_outbox(
            session,
            OutboxKind.MESSAGE,
            key=key or f"message-out:{event.id}",
            case_id=case.id,
            payload={
                **(payload or {}),
                "event_id": event.id,
                "channel": Channel.EMAIL.value,
                "route": route.value,
            },
            now=now,
        )
    append_event(
        session,
        case.id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=not_sent_reason(route, reach),
        data={"delivery": route.value, "message_event_id": event.id},
    )
    return None


def note_when_sent(
    session: Session, case_id: int | None, payload: dict[str, Any], now: datetime
) -> None:
    """The worker, in the commit that marks a message delivered: writes the note its step held
    back until the message was sent (seed 001's "email sent"), if any."""
    note = payload.get(NOTE_WHEN_SENT)
    if not note or case_id is None:
        return
    append_event(
        session,
        case_id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=str(note.get("text") or ""),
        data={"step": note.get("step"), "sent_event_id": payload.get("event_id")},
    )


@dataclass(frozen=True)
class Delivery:
    """The delivery state of one timeline event that went (or should have gone) out."""

    state: DeliveryState
    error: str | None = None
    attempts: int = 0

    @property
    def label(self) -> str:
        return LABELS[self.state]


LABELS = {
    DeliveryState.QUEUED: "queued",
    DeliveryState.SENT: "sent",
    DeliveryState.FAILED: "failed, retrying",
    DeliveryState.DEAD: "not sent (dead letter)",
    DeliveryState.NOT_SENT: "not sent",
}


def delivery_states(session: Session, events: Iterable[tuple[int, str]]) -> dict[int, Delivery]:
    """By event id, of `(id, kind)` pairs: the state of each event that has an outbox row (a
    reply, a playbook mail, a chat post) and of each outgoing message that has none."""
    outgoing = {event_id: kind == EventKind.MESSAGE_OUT.value for event_id, kind in events}
    if not outgoing:
        return {}
    rows = session.execute(
        select(
            OutboxMessage.event_id,
            OutboxMessage.status,
            OutboxMessage.last_error,
            OutboxMessage.attempts,
        ).where(OutboxMessage.event_id.in_(list(outgoing)))
    ).all()
    states = {
        int(row.event_id): Delivery(
            delivery_state(row.status, row.last_error), row.last_error, row.attempts
        )
        for row in rows
    }
    for event_id, is_message in outgoing.items():
        if is_message and event_id not in states:
            states[event_id] = Delivery(DeliveryState.NOT_SENT)
    return states


def failed_deliveries(db: Database, case_ids: Iterable[int]) -> set[int]:
    """`cases_with_failed_delivery` in a read transaction of its own (the queue page)."""
    with db.transaction(write=False) as session:
        return cases_with_failed_delivery(session, case_ids)


def cases_with_failed_delivery(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Those of `case_ids` with a message the worker failed to send (retrying) or gave up on."""
    ids = list(case_ids)
    if not ids:
        return set()
    failing = select(OutboxMessage.case_id).where(
        OutboxMessage.case_id.in_(ids),
        (OutboxMessage.status == DEAD)
        | ((OutboxMessage.status == PENDING) & OutboxMessage.last_error.is_not(None)),
        OutboxMessage.kind != OutboxKind.DEAD_TIMER.value,
    )
    return {case_id for case_id in session.scalars(failing.distinct()) if case_id is not None}
