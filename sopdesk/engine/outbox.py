"""The one writer of outbox rows: every side effect that leaves the database is written here,
in the transaction of the change that caused it, with a typed kind and an idempotency key.

The worker claims the rows and hands them to the handler registered for their kind.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.store.models import OutboxMessage


class OutboxKind(StrEnum):
    """What an outbox row asks the worker to do; each kind has one handler."""

    MESSAGE = "message.out"  # a reply or a macro to a customer, partner or other recipient
    CHAT = "chat.post"  # a post to a team-chat channel
    WEBHOOK = "webhook.post"  # a case event to the outgoing-webhook subscribers
    # A timer the worker gave up on, kept with the dead letters (no handler: never claimed);
    # payload: the timer's own payload plus `timer_kind` and `dead_timer_id`.
    DEAD_TIMER = "timer.dead"
    STATUS_MAIL = "status.mail"  # a status-page mail to one subscriber (not about a case)
    # A reply shown in the customer's open chat widget. No worker handler: the widget's next
    # poll shows the message and marks the row delivered (sopdesk.engine.widget_sessions).
    WIDGET = "widget.message"
    # A playbook's `call` to a connector; payload: {"call_id"} of its connector_calls row.
    CONNECTOR_CALL = "connector.call"


# Payload field: a timeline note ({"text", "step"}) the worker writes in the same commit that
# marks the row delivered, so a step's "email sent" is never written before the mail was sent.
NOTE_WHEN_SENT = "note_when_sent"

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"


def write_outbox(
    session: Session,
    kind: OutboxKind,
    *,
    key: str,
    case_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    dead: tuple[int, str] | None = None,
) -> OutboxMessage:
    """Adds one pending row, due now. `key` must be unique for this side effect: the worker
    and every receiver dedupe on it, so a retry after a crash never acts twice.

    `dead=(attempts, error)` writes it straight into the dead letters (a timer the worker
    gave up on). A payload's `event_id` is the timeline message the row delivers; it is kept
    in its own column so the timeline can show each message's delivery state."""
    event_id = payload.get("event_id")
    row = OutboxMessage(
        kind=kind.value,
        idempotency_key=key,
        case_id=case_id,
        event_id=int(event_id) if event_id is not None else None,
        payload=payload,
        status=DEAD if dead else PENDING,
        attempts=dead[0] if dead else 0,
        last_error=dead[1] if dead else None,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row
