"""Work the worker runs: claimed jobs, what handlers may use, and the handler registry by kind.

Capabilities register a handler per timer or outbox kind on `HANDLERS`; the worker only claims.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    # The lease this claim holds: the row's due time was pushed to this instant and its attempt
    # count to `attempt`. Every final write matches both, so a worker whose lease ran out (and
    # whose row another worker claimed since) changes nothing. None: not claimed by a worker.
    leased_until: datetime | None = None

    def lease_expired(self, now: datetime) -> bool:
        return self.leased_until is not None and now >= self.leased_until


@dataclass
class WorkContext:
    """What a handler may use: the database, the clock, (when loaded) the desk, and the
    runtime's settings (channel handlers read their servers and secrets from them)."""

    db: Database
    clock: Clock
    desk: Any = None
    settings: Settings | None = None


@dataclass(frozen=True)
class WorkerPolicy:
    poll_seconds: float = 1.0
    batch_size: int = 50
    max_attempts: int = 8
    retry_seconds: float = 30.0
    lease_seconds: float = 300.0

    @classmethod
    def of(cls, settings: Settings) -> WorkerPolicy:
        return cls(
            poll_seconds=settings.worker_poll_seconds,
            batch_size=settings.worker_batch_size,
            max_attempts=settings.worker_max_attempts,
            retry_seconds=settings.worker_retry_seconds,
            lease_seconds=settings.worker_lease_seconds,
        )

    def backoff(self, attempt: int) -> timedelta:
        """Delay before retry number `attempt` + 1: doubles each time, capped at one day."""
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(attempt - 1, 0), 86_400.0))


@dataclass
class TickResult:
    """What one tick did with each job it claimed."""

    done: list[Job] = field(default_factory=list)
    retried: list[Job] = field(default_factory=list)
    dead: list[Job] = field(default_factory=list)
    released: list[Job] = field(default_factory=list)
    # Outbox jobs not run because their lease ran out first: another worker may hold them now.
    lost: list[Job] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        parts = (self.done, self.retried, self.dead, self.released, self.lost)
        return sum(len(part) for part in parts)


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
    "sopdesk.engine.sla_timers",
    "sopdesk.engine.playbooks",
    "sopdesk.engine.connectors",
    "sopdesk.channels.handlers",
    "sopdesk.channels.status_mail",
)


def import_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)
