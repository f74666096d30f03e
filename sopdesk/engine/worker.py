"""The worker: fires due durable timers and delivers outbox rows through handlers by kind.

Other parts of sopdesk register a handler per kind on `HANDLERS`; the worker only claims work.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, select, update

from sopdesk.domain.clock import Clock
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, Timer

log = logging.getLogger("sopdesk.worker")

MAX_ERROR_CHARS = 2000


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


@dataclass
class WorkContext:
    """What a handler may use: the database, the clock and (when loaded) the desk."""

    db: Database
    clock: Clock
    desk: Any = None


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
HANDLER_MODULES: tuple[str, ...] = ("sopdesk.engine.sla", "sopdesk.engine.playbooks")


def import_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)


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
    done: list[Job] = field(default_factory=list)
    retried: list[Job] = field(default_factory=list)
    dead: list[Job] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.done) + len(self.retried) + len(self.dead)


class Worker:
    """Claims due timers and outbox rows and runs their handlers.

    The algorithm, one `tick`:

    1. In one short write transaction, select up to `batch_size` due rows whose kind has a
       handler: timers with `due_at <= now`, outbox rows `pending` with `next_attempt_at <= now`,
       oldest first. PostgreSQL takes them `FOR UPDATE SKIP LOCKED`, so concurrent workers on
       any number of machines pick disjoint rows; SQLite has one writer (`BEGIN IMMEDIATE`).
    2. In the same transaction, lease each claimed row: count the attempt and push its due time
       `lease_seconds` forward. The claim survives the commit, other workers skip the row, and
       if this process dies mid-handler the row becomes due again when the lease ends (at least
       once delivery; handlers use `Job.idempotency_key` so a repeat does nothing twice).
    3. Outside any transaction, run each job's handler.
    4. Success: a fired timer is deleted; an outbox row becomes `delivered` with its time.
    5. Failure: the error is recorded and the row is due again after an exponential backoff
       (`retry_seconds * 2**(attempt-1)`), so a failing row cannot crash-loop the worker.
       After `max_attempts` an outbox row becomes `dead` with its last error; a timer is moved
       into the outbox as a `dead` row (same kind, its payload, `timer:<id>` key) so every dead
       letter is found in one place.
    6. When a tick claimed nothing, sleep until the next due row or `poll_seconds`, whichever
       is sooner; `stop()` (SIGTERM/SIGINT in the CLI) wakes the sleep and the loop ends after
       the current job, never in the middle of one.
    """

    def __init__(
        self,
        ctx: WorkContext,
        registry: HandlerRegistry = HANDLERS,
        policy: WorkerPolicy | None = None,
    ) -> None:
        self.ctx = ctx
        self.registry = registry
        self.policy = policy or WorkerPolicy()
        self._stop = threading.Event()

    # --- the loop -------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        log.info("worker started; handlers for: %s", ", ".join(self.registry.kinds) or "none")
        while not self._stop.is_set():
            try:
                result = self.tick()
            except Exception:  # a database hiccup must not end the worker
                log.exception("worker tick failed; retrying after %ss", self.policy.poll_seconds)
                self._stop.wait(self.policy.poll_seconds)
                continue
            if result.claimed == 0:
                self._stop.wait(self.idle_seconds())
        log.info("worker stopped")

    def idle_seconds(self) -> float:
        """Seconds until the next due row, at most `poll_seconds`."""
        upcoming = self.next_due()
        if upcoming is None:
            return self.policy.poll_seconds
        wait = (upcoming - self.ctx.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.policy.poll_seconds)

    def next_due(self) -> datetime | None:
        kinds = self.registry.kinds
        if not kinds:
            return None
        with self.ctx.db.transaction(write=False) as session:
            timer = session.scalar(select(func.min(Timer.due_at)).where(Timer.kind.in_(kinds)))
            outbox = session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.status == "pending", OutboxMessage.kind.in_(kinds)
                )
            )
        candidates = [t for t in (timer, outbox) if t is not None]
        return min(candidates) if candidates else None

    # --- one tick -------------------------------------------------------------------------

    def tick(self) -> TickResult:
        """Claims and runs one batch of due work; returns what happened to each job."""
        result = TickResult()
        for job in self.claim():
            if self._stop.is_set():
                # Leave the rest of the batch to its lease; it runs again after the lease ends.
                break
            self._run_one(job, result)
        return result

    def claim(self) -> list[Job]:
        kinds = self.registry.kinds
        if not kinds:
            return []
        now = self.ctx.clock.now()
        lease_until = now + timedelta(seconds=self.policy.lease_seconds)
        limit = self.policy.batch_size
        jobs: list[Job] = []
        with self.ctx.db.transaction() as session:
            timers = session.scalars(
                select(Timer)
                .where(Timer.due_at <= now, Timer.kind.in_(kinds))
                .order_by(Timer.due_at, Timer.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for timer in timers:
                timer.attempts += 1
                timer.due_at = lease_until
                jobs.append(
                    Job(
                        "timer",
                        timer.id,
                        timer.kind,
                        timer.case_id,
                        dict(timer.payload or {}),
                        timer.attempts,
                        f"timer:{timer.id}",
                    )
                )
            room = limit - len(jobs)
            if room > 0:
                rows = session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        OutboxMessage.kind.in_(kinds),
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(room)
                    .with_for_update(skip_locked=True)
                ).all()
                for row in rows:
                    row.attempts += 1
                    row.next_attempt_at = lease_until
                    jobs.append(
                        Job(
                            "outbox",
                            row.id,
                            row.kind,
                            row.case_id,
                            dict(row.payload or {}),
                            row.attempts,
                            row.idempotency_key,
                        )
                    )
        return jobs

    def _run_one(self, job: Job, result: TickResult) -> None:
        handler = self.registry.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for {job.kind!r}")
            handler(job, self.ctx)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            if job.attempt >= self.policy.max_attempts:
                log.error(
                    "%s %s (%s) is dead after %d attempts: %s",
                    job.source,
                    job.id,
                    job.kind,
                    job.attempt,
                    error,
                )
                self._dead_letter(job, error)
                result.dead.append(job)
            else:
                log.warning(
                    "%s %s (%s) failed, attempt %d: %s",
                    job.source,
                    job.id,
                    job.kind,
                    job.attempt,
                    error,
                )
                self._retry_later(job, error)
                result.retried.append(job)
            return
        self._mark_done(job)
        result.done.append(job)

    def _mark_done(self, job: Job) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as session:
            if job.source == "timer":
                session.execute(delete(Timer).where(Timer.id == job.id))
            else:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == job.id)
                    .values(status="delivered", delivered_at=now, last_error=None)
                )

    def _retry_later(self, job: Job, error: str) -> None:
        due = self.ctx.clock.now() + self.policy.backoff(job.attempt)
        with self.ctx.db.transaction() as session:
            if job.source == "timer":
                session.execute(update(Timer).where(Timer.id == job.id).values(due_at=due))
            else:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == job.id)
                    .values(next_attempt_at=due, last_error=error)
                )

    def _dead_letter(self, job: Job, error: str) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as session:
            if job.source == "outbox":
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == job.id)
                    .values(status="dead", last_error=error)
                )
                return
            session.execute(delete(Timer).where(Timer.id == job.id))
            session.add(
                OutboxMessage(
                    kind=job.kind,
                    idempotency_key=job.idempotency_key,
                    case_id=job.case_id,
                    payload={**job.payload, "dead_timer_id": job.id},
                    status="dead",
                    attempts=job.attempt,
                    next_attempt_at=now,
                    last_error=error,
                    created_at=now,
                )
            )
