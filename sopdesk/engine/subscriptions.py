"""Case events for outgoing-webhook subscribers: written to the outbox with the change itself.

Case created, status changed and messages in or out become one `webhook.post` row each; the
worker's webhook handler signs it and posts it to every subscriber (sopdesk/channels/webhooks.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.store.db import Database

WEBHOOK_KIND = OutboxKind.WEBHOOK.value
# A flag on every session of a Database whose runtime has subscribers: without any, no rows.
PUBLISH_FLAG = "sopdesk.publish_case_events"
PUBLISHED = {
    EventKind.CASE_CREATED.value: "case.created",
    EventKind.MESSAGE_IN.value: "case.message_added",
    EventKind.MESSAGE_OUT.value: "case.message_added",
}


class TimelineEvent(Protocol):
    """What publishing reads of an event: a stored `CaseEvent` or a batched `NewEvent`."""

    @property
    def case_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def channel(self) -> str | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any]: ...


def _event_name(event: TimelineEvent) -> str | None:
    if event.kind == EventKind.FIELD_CHANGE.value:
        return "case.status_changed" if (event.data or {}).get("field") == "status" else None
    return PUBLISHED.get(event.kind)


def enable_publishing(db: Database) -> None:
    """Turns on webhook rows for every later session of `db` (the runtime has subscribers)."""
    db.sessions.configure(info={PUBLISH_FLAG: True})


def publish_case_event(session: Session, event: TimelineEvent) -> None:
    """Adds the subscribers' copy of a timeline event to the outbox (internal notes never)."""
    if not session.info.get(PUBLISH_FLAG):
        return
    name = _event_name(event)
    if name is None:
        return
    payload: dict[str, Any] = {
        "event": name,
        "case_id": event.case_id,
        "at": event.at.isoformat(),
        "actor": {"kind": event.actor_kind, "id": event.actor_id},
    }
    if event.channel:
        payload["channel"] = event.channel
    if name == "case.status_changed":
        payload["status"] = {"from": event.data.get("from"), "to": event.data.get("to")}
    elif name == "case.message_added":
        payload["direction"] = "in" if event.kind == EventKind.MESSAGE_IN.value else "out"
        payload["body"] = event.body or ""
    write_outbox(
        session,
        OutboxKind.WEBHOOK,
        # Fixed when written, so every retry carries the same key (receivers dedupe on it).
        key=f"webhook:{uuid.uuid4().hex}",
        case_id=event.case_id,
        payload=payload,
        now=event.at,
    )
