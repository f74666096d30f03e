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
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin, status_after_reply
from sopdesk.engine import sla
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import Case, CaseEvent

CUSTOMER = "customer"


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
) -> CaseEvent:
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
    write_outbox(
        session,
        OutboxKind.MESSAGE,
        key=key or f"message-out:{event.id}",
        case_id=case.id,
        # The event is what the worker sends; the payload repeats it for people reading the
        # outbox (admins, tests), never as a second source.
        payload={
            "event_id": event.id,
            "channel": message.channel,
            "recipient": message.recipient,
            "to": message.to,
            "subject": message.subject,
            "macro": message.data.get("macro"),
            "text": message.body,
        },
        now=now,
    )
    to_customer = message.recipient == CUSTOMER
    status = status_after_reply(CaseStatus(case.status), origin, to_customer)
    if status.value != case.status:
        set_fields(session, desk, case, {"status": status}, actor, now)
    sla.on_desk_reply(session, desk, case, now, origin, to_customer=to_customer)
    case.updated_at = now
    return event
