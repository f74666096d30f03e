"""Work the worker runs: claimed jobs, what handlers may use, and the handler registry by kind.

Capabilities register a handler per timer or outbox kind on `HANDLERS`; the worker only claims.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sopdesk.domain.clock import Clock
from sopdesk.settings import Settings
from sopdesk.store.db import Database


@dataclass(frozen=True)
class Job:
    """One claimed unit of work, detached from the database session that claimed it."""

    source: Literal["timer", "outbox"]
    id: int
    kind: str
    case_id: int | None
    payload: dict[str, Any]
    attempt: int
    idempotency_key: str
    # When the row was due before this claim leased it: lateness is `now - due_at`, and a
    # graceful stop gives an unrun job back at this instant.
    due_at: datetime | None = None


@dataclass
class WorkContext:
    """What a handler may use: the database, the clock, (when loaded) the desk, and the
    runtime's settings (channel handlers read their servers and secrets from them)."""

    db: Database
    clock: Clock
    desk: Any = None
    settings: Settings | None = None


Handler = Callable[[Job, WorkContext], None]


class HandlerRegistry:
    """Handlers by kind; a kind with no handler is never claimed and stays pending."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.add(kind, handler)
            return handler

        return decorate

    def add(self, kind: str, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)


HANDLERS = HandlerRegistry()

# Modules that register handlers on HANDLERS when imported; each capability that writes timers
# or outbox rows adds its module here, so `sopdesk serve` and `sopdesk worker` know its kinds.
HANDLER_MODULES: tuple[str, ...] = (
    "sopdesk.engine.sla",
    "sopdesk.engine.playbooks",
    "sopdesk.channels.handlers",
    "sopdesk.channels.status_mail",
)


def import_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)
