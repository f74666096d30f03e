"""No lost timers: a playbook timer that starts another wait keeps it, with the real worker.

On SQLite a rowid table without AUTOINCREMENT hands the id of a just-deleted last row to the
next insert: the timer that fired deletes itself, its run starts the next wait, that new timer
gets the same id, and the worker's finishing batch delete removed it (seed 001's "one more
week, then a lead decides" stalled forever). Ids are never reused now, and the worker's final
writes only touch rows still under the lease it claimed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Playbook
from sopdesk.domain.playbooks.state import RunStatus
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CasePlan, CreateCase, insert_case
from sopdesk.engine.playbook_effects import TIMER_KIND
from sopdesk.engine.playbooks import fire_timer, start_run_in
from sopdesk.engine.worker import HandlerRegistry, WorkContext, Worker
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, PlaybookRun, Timer
from tests.desks import starter_desk

# Seed 001's shape: wait a week, remind, wait one more week, then a lead decides.
TWO_WAITS = Playbook.model_validate(
    {
        "playbook": "two-waits",
        "title": "Remind, then a lead decides",
        "steps": [
            {
                "id": "wait-for-proof",
                "wait": {"for": "customer-reply", "timeout": "1 week"},
                "on_timeout": "wait-after-reminder",
            },
            {
                "id": "wait-after-reminder",
                "wait": {"for": "customer-reply", "timeout": "1 week"},
                "on_timeout": "no-proof",
            },
            {"id": "no-proof", "escalate": {"level": 2, "reason": "no proof after the reminder"}},
            {"id": "left-with-lead", "end": {"outcome": "no-proof-of-purchase"}},
        ],
    }
)


def _start(db: Database, clock: ManualClock) -> tuple[WorkContext, int]:
    desk = load_desk(Path(pack_path("starter")))
    system = Principal.system()
    command = CreateCase(customer_email="kim@example.com", subject="trade-in", body="b")
    with db.transaction() as session:
        case, _ = insert_case(
            session, clock.now(), desk, system, command, CasePlan(None, None, 1, "t")
        )
        run = start_run_in(session, desk, case, TWO_WAITS, clock.now(), system)
        session.flush()
        run_id = run.id
    return WorkContext(db, clock, desk), run_id


def _worker(ctx: WorkContext) -> Worker:
    registry = HandlerRegistry()
    registry.add(TIMER_KIND, fire_timer)
    return Worker(ctx, registry)


def _run(db: Database, run_id: int) -> PlaybookRun:
    with db.transaction(write=False) as session:
        run = session.get(PlaybookRun, run_id)
        assert run is not None
        return run


def test_a_timer_that_starts_another_wait_is_not_lost(db: Database, clock: ManualClock) -> None:
    ctx, run_id = _start(db, clock)
    worker = _worker(ctx)
    clock.advance(timedelta(weeks=1, minutes=1))
    assert len(worker.tick().done) == 1
    with db.transaction(write=False) as session:
        waiting = session.scalars(select(Timer).where(Timer.kind == TIMER_KIND)).all()
    assert len(waiting) == 1, "the second wait's timer must survive the first one's finishing"
    clock.advance(timedelta(weeks=1, minutes=1))
    assert len(worker.tick().done) == 1
    run = _run(db, run_id)
    assert run.status == RunStatus.DONE.value
    assert run.state["outcome"] == "no-proof-of-purchase"


def test_ids_of_deleted_timers_and_outbox_rows_are_never_reused(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    with db.transaction() as session:
        timer = Timer(due_at=now, kind="k", payload={}, created_at=now)
        row = OutboxMessage(
            kind="k", idempotency_key="a", payload={}, next_attempt_at=now, created_at=now
        )
        session.add_all([timer, row])
        session.flush()
        first = (timer.id, row.id)
        session.delete(timer)
        session.delete(row)
    with db.transaction() as session:
        timer = Timer(due_at=now, kind="k", payload={}, created_at=now)
        row = OutboxMessage(
            kind="k", idempotency_key="b", payload={}, next_attempt_at=now, created_at=now
        )
        session.add_all([timer, row])
        session.flush()
        assert timer.id > first[0]
        assert row.id > first[1]


def test_a_worker_whose_lease_ran_out_changes_nothing(db: Database, clock: ManualClock) -> None:
    """Worker A claims a timer and an outbox row, stalls past its lease; worker B claims both
    again. A's late finishing, delivery, retry and dead-letter writes must not touch B's rows,
    and A does not deliver a row whose lease ran out before its turn."""
    sent: list[int] = []
    registry = HandlerRegistry()
    registry.add("slow", lambda job, ctx: sent.append(job.attempt))
    now = clock.now()
    with db.transaction() as session:
        session.add(Timer(due_at=now, kind="slow", payload={}, created_at=now))
        session.add(
            OutboxMessage(
                kind="slow", idempotency_key="x", payload={}, next_attempt_at=now, created_at=now
            )
        )
    a = Worker(WorkContext(db, clock, starter_desk()), registry)
    b = Worker(WorkContext(db, clock, starter_desk()), registry)
    timer_job, outbox_job = sorted(a.claim(), key=lambda job: job.source, reverse=True)
    clock.advance(timedelta(seconds=a.policy.lease_seconds + 1))
    b_jobs = b.claim()
    assert len(b_jobs) == 2

    a._finish_timers([timer_job])
    a._mark_delivered(outbox_job)
    a._retry_later(outbox_job, "late")
    a._dead_letter(timer_job, "late")
    a._dead_letter(outbox_job, "late")
    with db.transaction(write=False) as session:
        timers = session.scalars(select(Timer)).all()
        rows = session.scalars(select(OutboxMessage)).all()
    assert [(t.attempts, t.kind) for t in timers] == [(2, "slow")]
    assert [(r.kind, r.status, r.attempts, r.last_error) for r in rows] == [
        ("slow", "pending", 2, None)
    ]


def test_an_outbox_row_whose_lease_ran_out_in_the_batch_is_not_delivered(
    db: Database, clock: ManualClock
) -> None:
    """A slow timer handler eats the claim's lease: the outbox row of the same batch is left to
    whoever claims it next, never sent by a worker that no longer holds it."""
    sent: list[str] = []
    registry = HandlerRegistry()
    worker = Worker(WorkContext(db, clock, starter_desk()), registry)
    registry.add("slow", lambda job, ctx: clock.advance(timedelta(seconds=301)))
    registry.add("mail", lambda job, ctx: sent.append(job.idempotency_key))
    now = clock.now()
    with db.transaction() as session:
        session.add(Timer(due_at=now, kind="slow", payload={}, created_at=now))
        session.add(
            OutboxMessage(
                kind="mail", idempotency_key="m", payload={}, next_attempt_at=now, created_at=now
            )
        )
    result = worker.tick()
    assert [job.kind for job in result.lost] == ["mail"]
    assert sent == []
    assert [job.idempotency_key for job in worker.tick().done] == ["m"]
    assert sent == ["m"]
