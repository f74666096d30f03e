"""The worker: fires due durable timers and delivers outbox rows through handlers by kind.

Other parts of sopdesk register a handler per kind on `HANDLERS`; the worker only claims work.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from sopdesk.engine.claims import (
    claim_outbox,
    claim_timers,
    due_outbox_query,
    due_timers_query,
    next_outbox_query,
    next_timer_query,
    outbox_leased,
    timer_leased,
    timers_leased,
)
from sopdesk.engine.delivery import note_when_sent
from sopdesk.engine.jobs import (
    HANDLERS,
    Handler,
    HandlerRegistry,
    Job,
    TickResult,
    WorkContext,
    WorkerPolicy,
)
from sopdesk.engine.outbox import DEAD, DELIVERED, OutboxKind, write_outbox
from sopdesk.store.models import OutboxMessage, Timer

# Names other modules have always imported from here.
__all__ = [
    "HANDLERS",
    "Handler",
    "HandlerRegistry",
    "Job",
    "TickResult",
    "WorkContext",
    "Worker",
    "WorkerPolicy",
    "due_outbox_query",
    "due_timers_query",
    "next_outbox_query",
    "next_timer_query",
]

log = logging.getLogger("sopdesk.worker")

MAX_ERROR_CHARS = 2000


class Worker:
    """Claims due timers and outbox rows in batches and runs their handlers.

    The algorithm, one `tick`:

    1. Claim, in one short write transaction: select up to `batch_size` due timers
       (`due_at <= now`) and, separately, up to `batch_size` due outbox rows (`pending`,
       `next_attempt_at <= now`), oldest first, only of kinds that have a handler; then lease
       them with one UPDATE per table (`attempts + 1`, due time pushed `lease_seconds` ahead;
       on PostgreSQL the timers' select and lease are one `UPDATE ... FROM` the select).
       PostgreSQL selects `FOR UPDATE SKIP LOCKED`, so concurrent workers on any number of
       machines pick disjoint rows; SQLite has one writer (`BEGIN IMMEDIATE`). Both selects are
       range scans of an index on the due time (`ix_timers_due`, `ix_outbox_pending`): the cost
       of a claim does not grow with the rows pending later. Timers and outbox rows have a
       limit each, so a burst of timers cannot starve the outbox.
    2. The lease outlives the claim's commit: other workers skip the rows, and if this process
       dies, the rows become due again when the lease ends. Nothing is lost.
    3. Outside any transaction, run each timer's handler. A timer handler only writes to the
       database, in its own transaction: `playbook.timer` deletes its timer row and advances
       the run in ONE transaction, so its commit IS the firing and a repeat finds no row
       (exactly once); `sla.*` handlers record a warning or breach under the clock's row lock
       and ignore a timer already recorded (idempotent).
    4. Finish the timers whose handler returned with ONE delete of all their ids, one commit a
       batch instead of one a job. A crash before that delete fires those timers again after
       the lease, which the handlers of step 3 absorb; rows that a handler deleted itself are
       simply not found. Ids are never reused (AUTOINCREMENT on SQLite, sequences on
       PostgreSQL), and every final write (finish, delivered, retry, dead, release) matches
       the lease of the claim (attempt count and leased due time, `claims.timer_leased`), so
       a worker whose lease ran out changes nothing that another worker claimed since.
    5. Run each outbox row's handler (e-mail, chat, webhooks: effects outside the database)
       with `Job.idempotency_key`, and mark it `delivered` at once, one commit each: a crash
       can then resend at most the one message in flight, never a whole batch. A row whose
       lease ran out before its turn is not delivered (`TickResult.lost`): it is another
       worker's now.
    6. A failing job records its error and is due again after an exponential backoff
       (`retry_seconds * 2**(attempt-1)`, capped at a day), so it cannot crash-loop the worker.
       After `max_attempts` an outbox row becomes `dead` with its last error; a timer is moved
       into the outbox as a dead `timer.dead` row (its kind and payload, `timer:<id>` key),
       so every dead letter is found in one place; retrying it sets the timer again.
    7. When a tick claimed nothing, sleep until the next due row (the first entry of the same
       indexes), at least 10 ms and at most `poll_seconds`, the bound within which rows written
       by other processes are seen. Idle, the worker wakes once per `poll_seconds`.
    8. `stop()` (SIGTERM/SIGINT in the CLI) wakes the sleep; the loop ends after the current
       job, never in the middle of one, and hands the rest of its batch back (due time and
       attempt count restored) instead of leaving it to the lease.
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
        # Quiet failures (a missing setting: a chat channel's webhook) logged once each.
        self._quiet_logged: set[str] = set()

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
        """Seconds until the next due row: at least 10 ms, at most `poll_seconds`."""
        upcoming = self.next_due()
        if upcoming is None:
            return self.policy.poll_seconds
        wait = (upcoming - self.ctx.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.policy.poll_seconds)

    def next_due(self) -> datetime | None:
        """The earliest due time of a timer or pending outbox row this worker can handle."""
        kinds = self.registry.kinds
        if not kinds:
            return None
        with self.ctx.db.transaction(write=False) as session:
            timer = session.scalar(next_timer_query(kinds))
            outbox = session.scalar(next_outbox_query(kinds))
        candidates = [t for t in (timer, outbox) if t is not None]
        return min(candidates) if candidates else None

    # --- one tick -------------------------------------------------------------------------

    def tick(self) -> TickResult:
        """Claims and runs one batch of due work; returns what happened to each job."""
        result = TickResult()
        jobs = self.claim()
        timers = [job for job in jobs if job.source == "timer"]
        outbox = [job for job in jobs if job.source == "outbox"]
        fired: list[Job] = []
        try:
            for i, job in enumerate(timers):
                if self._stop.is_set():
                    self._release(timers[i:] + outbox, result)
                    return result
                if self._run_one(job, result):
                    fired.append(job)
        finally:
            # Whatever happens to the rest of the batch, the timers that fired are finished.
            self._finish_timers(fired)
        for i, job in enumerate(outbox):
            if self._stop.is_set():
                self._release(outbox[i:], result)
                break
            if job.lease_expired(self.ctx.clock.now()):
                log.warning("outbox %s (%s): lease ran out before delivery", job.id, job.kind)
                result.lost.append(job)
                continue
            if self._run_one(job, result):
                self._mark_delivered(job)
        return result

    def claim(self) -> list[Job]:
        """Leases up to `batch_size` due timers and as many due outbox rows (step 1)."""
        kinds = self.registry.kinds
        if not kinds:
            return []
        now = self.ctx.clock.now()
        lease_until = now + timedelta(seconds=self.policy.lease_seconds)
        with self.ctx.db.transaction() as session:
            limit, sqlite = self.policy.batch_size, self.ctx.db.is_sqlite
            jobs = claim_timers(session, kinds, now, lease_until, limit, sqlite=sqlite)
            jobs += claim_outbox(session, kinds, now, lease_until, limit)
        return [replace(job, leased_until=lease_until) for job in jobs]

    def _run_one(self, job: Job, result: TickResult) -> bool:
        """Runs the job's handler; True when it succeeded, else the row is retried or dead."""
        handler = self.registry.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for {job.kind!r}")
            handler(job, self.ctx)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            # A permanent failure (an SMTP 5xx, say) dead-letters at once: retrying cannot help.
            if getattr(exc, "quiet", False):
                level = logging.DEBUG if error in self._quiet_logged else logging.WARNING
                self._quiet_logged.add(error)
                log.log(level, "%s %s (%s) not sent: %s", job.source, job.id, job.kind, error)
                self._dead_letter(job, error)
                result.dead.append(job)
            elif job.attempt >= self.policy.max_attempts or getattr(exc, "permanent", False):
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
            return False
        result.done.append(job)
        return True

    def _finish_timers(self, fired: list[Job]) -> None:
        """Deletes the fired timers still under this claim's lease in one statement (step 4);
        self-deleted rows are not found."""
        if not fired:
            return
        with self.ctx.db.transaction() as session:
            session.execute(
                delete(Timer)
                .where(timers_leased(fired))
                .execution_options(synchronize_session=False)
            )

    def _mark_delivered(self, job: Job) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as session:
            done = session.execute(
                update(OutboxMessage)
                .where(outbox_leased(job))
                .values(status=DELIVERED, delivered_at=now, last_error=None)
            )
            if done.rowcount:
                note_when_sent(session, job.case_id, job.payload, now)
        if not done.rowcount:
            log.warning("outbox %s (%s): delivered after its lease ran out", job.id, job.kind)

    def _release(self, jobs: list[Job], result: TickResult) -> None:
        """Gives unrun jobs back as they were before the claim, so a stop does not delay them
        by a lease. The attempt count in the WHERE leaves alone a row claimed again since."""
        if not jobs:
            return
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as session:
            for job in jobs:
                due = job.due_at or now
                if job.source == "timer":
                    session.execute(
                        update(Timer)
                        .where(timer_leased(job))
                        .values(due_at=due, attempts=job.attempt - 1)
                    )
                else:
                    session.execute(
                        update(OutboxMessage)
                        .where(outbox_leased(job))
                        .values(next_attempt_at=due, attempts=job.attempt - 1)
                    )
        result.released.extend(jobs)

    def _retry_later(self, job: Job, error: str) -> None:
        due = self.ctx.clock.now() + self.policy.backoff(job.attempt)
        with self.ctx.db.transaction() as session:
            if job.source == "timer":
                session.execute(update(Timer).where(timer_leased(job)).values(due_at=due))
            else:
                session.execute(
                    update(OutboxMessage)
                    .where(outbox_leased(job))
                    .values(next_attempt_at=due, last_error=error)
                )

    def _dead_letter(self, job: Job, error: str) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as session:
            if job.source == "outbox":
                session.execute(
                    update(OutboxMessage)
                    .where(outbox_leased(job))
                    .values(status=DEAD, last_error=error)
                )
                return
            gone = session.execute(delete(Timer).where(timer_leased(job)))
            if not gone.rowcount:
                return  # another worker holds the timer now
            write_outbox(
                session,
                OutboxKind.DEAD_TIMER,
                key=job.idempotency_key,
                case_id=job.case_id,
                payload={**job.payload, "dead_timer_id": job.id, "timer_kind": job.kind},
                now=now,
                dead=(job.attempt, error),
            )
