"""The case core's "the desk replied": a message from the desk (an agent's reply, a playbook's
macro to the customer, a partner or another recipient) on the timeline and in the outbox.

Whether it answers the customer (stops response clocks, opens a new case) is the domain's
rule in sopdesk.domain.sla_rules: only a person's message to the customer does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.domain.cases import CaseStatus, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.delivery import contact_acknowledgement
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin, status_after_reply
from sopdesk.engine import sla
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.delivery import queue_reply
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.timeline import append_event
from sopdesk.engine.widget_sessions import human_joined
from sopdesk.errors import NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Customer, OutboxMessage

CUSTOMER = "customer"


@dataclass(frozen=True)
class Sent:
    """The message on the timeline, and its outbox row (None when it could not be sent)."""

    event: CaseEvent
    outbox: OutboxMessage | None


@dataclass(frozen=True)
class OutgoingMessage:
    """What the desk sends: the text, to whom (a role and, when known, an address), how."""

    body: str
    channel: str
    recipient: str = CUSTOMER  # customer, partner, other-customer or team
    to: str | None = None  # the address; None: the customer's own
    subject: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def desk_replied(
    session: Session,
    desk: Desk,
    case: Case,
    message: OutgoingMessage,
    actor: Principal,
    now: datetime,
    origin: ReplyOrigin,
    *,
    key: str | None = None,
) -> Sent:
    """Records the message and queues its delivery in the caller's transaction; a person's
    answer to the customer opens a new case and meets the response targets. `key` is the
    outbox idempotency key (default: the event's)."""
    data: dict[str, Any] = {"recipient": message.recipient, "origin": origin.value}
    if message.to:
        data["to"] = message.to
    if message.subject:
        data["subject"] = message.subject
    event = append_event(
        session,
        case.id,
        EventKind.MESSAGE_OUT,
        now,
        actor,
        body=message.body,
        channel=message.channel,
        data={**message.data, **data},
    )
    session.flush()
    key = key or f"message-out:{event.id}"
    # The event is what the worker sends; the payload repeats it for people reading the
    # outbox (admins, tests), never as a second source.
    extra = {
        "recipient": message.recipient,
        "macro": message.data.get("macro"),
        "to": message.to,
        "subject": message.subject,
        "text": message.body,
    }
    row: OutboxMessage | None
    if message.recipient == CUSTOMER:
        # The customer's reachable route (e-mail, widget, call back), or a note saying why not.
        row = queue_reply(session, case, event, now, key=key, payload=extra)
    elif message.to:
        payload = {**extra, "event_id": event.id, "channel": message.channel}
        row = write_outbox(
            session, OutboxKind.MESSAGE, key=key, case_id=case.id, payload=payload, now=now
        )
    else:
        row = None
        append_event(
            session,
            case.id,
            EventKind.NOTE,
            now,
            Principal.system(),
            body=f"Not sent: no address for the {message.recipient} is known on this case.",
            data={"delivery": "none", "message_event_id": event.id},
        )
    to_customer = message.recipient == CUSTOMER
    if to_customer and origin is ReplyOrigin.PERSON and actor.is_agent:
        human_joined(session, case, now, actor)  # a handed-off chat is theirs: the bot is silent
    status = status_after_reply(CaseStatus(case.status), origin, to_customer)
    if status.value != case.status:
        set_fields(session, desk, case, {"status": status}, actor, now)
    sla.on_desk_reply(session, desk, case, now, origin, to_customer=to_customer)
    case.updated_at = now
    return Sent(event, row)


def do_acknowledge_contact(db: Database, clock: Clock, desk: Desk, case_id: int) -> Sent:
    """Sends the acknowledgement the contact form promises, as the desk (automatic: it stops
    no response clock), by the customer's route, in one transaction."""
    now = clock.now()
    with db.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case with id {case_id}")
        customer = session.get(Customer, case.customer_id)
        subject, text = contact_acknowledgement(
            case.id, case.subject, customer.name if customer else ""
        )
        message = OutgoingMessage(
            body=text, channel=case.channel, subject=subject, data={"acknowledgement": True}
        )
        return desk_replied(
            session, desk, case, message, Principal.system(), now, ReplyOrigin.AUTOMATIC
        )
