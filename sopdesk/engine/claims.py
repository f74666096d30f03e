"""The worker's claims: which due timers and outbox rows it takes and leases, and when to wake.

Module-level so that bench/timers.py can EXPLAIN exactly what the worker runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, tuple_, update
from sqlalchemy.orm import Session

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


def claim_timers(
    session: Session,
    kinds: list[str],
    now: datetime,
    lease_until: datetime,
    limit: int,
    *,
    sqlite: bool,
) -> list[Job]:
    """Leases up to `limit` due timers of `kinds` until `lease_until` (the worker's step 1)."""
    select_due = due_timers_query(kinds, now, limit)
    if sqlite:
        # The one writer holds the database between the select and the update.
        rows = session.execute(select_due).all()
        if rows:
            session.execute(
                update(Timer)
                .where(Timer.id.in_([row.id for row in rows]))
                .values(attempts=Timer.attempts + 1, due_at=lease_until)
                .execution_options(synchronize_session=False)
            )
        claimed = [(row, row.attempts + 1) for row in rows]
    else:
        # One statement and one round trip, no list of ids to send: UPDATE ... FROM the
        # locked select, RETURNING the due time from before the lease.
        due = select_due.with_only_columns(Timer.id, Timer.due_at).subquery("due")
        returned = session.execute(
            update(Timer)
            .where(Timer.id == due.c.id)
            .values(attempts=Timer.attempts + 1, due_at=lease_until)
            .returning(
                Timer.id,
                due.c.due_at,
                Timer.kind,
                Timer.case_id,
                Timer.payload,
                Timer.attempts,
            )
            .execution_options(synchronize_session=False)
        ).all()
        rows = sorted(returned, key=lambda row: (row.due_at, row.id))
        claimed = [(row, row.attempts) for row in rows]
    return [
        Job(
            "timer",
            row.id,
            row.kind,
            row.case_id,
            dict(row.payload or {}),
            attempt,
            f"timer:{row.id}",
            row.due_at,
        )
        for row, attempt in claimed
    ]


def claim_outbox(
    session: Session, kinds: list[str], now: datetime, lease_until: datetime, limit: int
) -> list[Job]:
    """Leases up to `limit` due outbox rows of `kinds` until `lease_until`."""
    rows = session.execute(due_outbox_query(kinds, now, limit)).all()
    if not rows:
        return []
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row.id for row in rows]))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return [
        Job(
            "outbox",
            row.id,
            row.kind,
            row.case_id,
            dict(row.payload or {}),
            row.attempts + 1,
            row.idempotency_key,
            row.next_attempt_at,
        )
        for row in rows
    ]
