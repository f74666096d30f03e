"""The outside world of a scenario run: the worker's handlers, with mail and chat captured.

The worker's `message.out` and `chat.post` handlers are replaced by ones that record the
rendered mail and chat text instead of sending them; webhooks and status mails stay pending;
connector calls are answered from the scenario (runner.EngineRun.answer_call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sopdesk.engine.jobs import HANDLERS, HandlerRegistry, Job, WorkContext
from sopdesk.engine.outbox import OutboxKind
from sopdesk.handlers import import_handlers
from sopdesk.store.db import Database
from sopdesk.store.models import CaseEvent

# Outbox kinds that leave the building: captured (mail, chat) or left pending (the rest).
CAPTURED = (OutboxKind.MESSAGE.value, OutboxKind.CHAT.value)
OUTSIDE = (
    *CAPTURED,
    OutboxKind.WEBHOOK.value,
    OutboxKind.STATUS_MAIL.value,
    OutboxKind.CONNECTOR_CALL.value,  # answered from the scenario (EngineRun.answer_call)
)


@dataclass
class Captured:
    """What the worker would have sent: mails (with recipients) and chat posts, in order."""

    mails: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)


def capturing_registry(db: Database, captured: Captured) -> HandlerRegistry:
    """The worker's handlers for everything inside the desk, and capturing ones for mail and
    chat (the rest of the outside world has none: its rows stay pending)."""
    import_handlers()
    registry = HandlerRegistry()
    for kind in HANDLERS.kinds:
        handler = HANDLERS.get(kind)
        if kind not in OUTSIDE and handler is not None:
            registry.add(kind, handler)

    def capture_mail(job: Job, ctx: WorkContext) -> None:
        with db.transaction(write=False) as session:
            event = session.get(CaseEvent, int(job.payload["event_id"]))
            data = dict(event.data or {}) if event is not None else {}
            body = (event.body or "") if event is not None else ""
        captured.mails.append(
            {
                "at": ctx.clock.now(),
                "to": data.get("to"),
                "recipient": data.get("recipient") or "customer",
                "subject": data.get("subject") or "",
                "macro": data.get("macro"),
                "step": data.get("step"),
                "body": body,
            }
        )

    def capture_chat(job: Job, ctx: WorkContext) -> None:
        payload = job.payload
        captured.chats.append(
            {"at": ctx.clock.now(), "channel": payload.get("channel"), "text": payload.get("text")}
        )

    registry.add(OutboxKind.MESSAGE.value, capture_mail)
    registry.add(OutboxKind.CHAT.value, capture_chat)
    return registry
