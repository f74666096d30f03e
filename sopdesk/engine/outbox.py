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
    STATUS_MAIL = "status.mail"  # a status-page mail to one subscriber (not about a case)


PENDING = "pending"


def write_outbox(
    session: Session,
    kind: OutboxKind,
    *,
    key: str,
    case_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Adds one pending row, due now. `key` must be unique for this side effect: the worker
    and every receiver dedupe on it, so a retry after a crash never acts twice."""
    session.add(
        OutboxMessage(
            kind=kind.value,
            idempotency_key=key,
            case_id=case_id,
            payload=payload,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
