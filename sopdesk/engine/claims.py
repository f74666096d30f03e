"""The worker's claim queries: which due timers and outbox rows it takes, and when to wake.

Module-level so that bench/timers.py can EXPLAIN exactly what the worker runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, tuple_

from sopdesk.engine.jobs import Job
from sopdesk.store.models import OutboxMessage, Timer


def due_timers_query(kinds: list[str], now: datetime, limit: int) -> Select[Any]:
    """The claim's select of timers: a range scan of `ix_timers_due (due_at, id)` that stops
    after `limit` rows, `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has no row locks)."""
    return (
        select(Timer.id, Timer.due_at, Timer.kind, Timer.case_id, Timer.payload, Timer.attempts)
        .where(Timer.due_at <= now, Timer.kind.in_(kinds))
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def due_outbox_query(kinds: list[str], now: datetime, limit: int) -> Select[Any]:
    """The claim's select of outbox rows: a range scan of `ix_outbox_pending`."""
    return (
        select(
            OutboxMessage.id,
            OutboxMessage.next_attempt_at,
            OutboxMessage.kind,
            OutboxMessage.case_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.idempotency_key,
        )
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind.in_(kinds),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def next_timer_query(kinds: list[str]) -> Select[Any]:
    """The earliest timer a worker with `kinds` can fire: the first entry of `ix_timers_due`.

    ORDER BY ... LIMIT 1 rather than MIN(): SQLite answers MIN() under a WHERE clause with a
    full scan, but walks the index for an ORDER BY; PostgreSQL does the same for both.
    """
    return (
        select(Timer.due_at).where(Timer.kind.in_(kinds)).order_by(Timer.due_at, Timer.id).limit(1)
    )


def next_outbox_query(kinds: list[str]) -> Select[Any]:
    """The earliest pending outbox row of `kinds`: the first entry of `ix_outbox_pending`."""
    return (
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == "pending", OutboxMessage.kind.in_(kinds))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )


def timer_leased(job: Job) -> ColumnElement[bool]:
    """The timer row of `job`, only while this claim's lease holds (a handler's own delete of
    its timer and the worker's final writes use it): same id, same attempt count, and the due
    time the claim set. A row claimed again since, or given back, does not match."""
    return and_(Timer.id == job.id, *_lease(Timer.attempts, Timer.due_at, job))


def outbox_leased(job: Job) -> ColumnElement[bool]:
    """The outbox row of `job`, only while this claim's lease holds (see `timer_leased`)."""
    return and_(
        OutboxMessage.id == job.id,
        OutboxMessage.status == "pending",
        *_lease(OutboxMessage.attempts, OutboxMessage.next_attempt_at, job),
    )


def timers_leased(jobs: list[Job]) -> ColumnElement[bool]:
    """The timer rows of one claim's `jobs` whose lease still holds: one statement for the
    batch. All jobs of a claim share one lease end; the attempt count is matched per row."""
    leased_until = {job.leased_until for job in jobs}
    if len(leased_until) != 1 or None in leased_until:
        raise ValueError("timers_leased takes the jobs of one claim")
    return and_(
        Timer.due_at == leased_until.pop(),
        tuple_(Timer.id, Timer.attempts).in_([(job.id, job.attempt) for job in jobs]),
    )


def _lease(attempts: Any, due: Any, job: Job) -> list[ColumnElement[bool]]:
    if job.leased_until is None:
        return []
    return [attempts == job.attempt, due == job.leased_until]
