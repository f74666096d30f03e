"""The worker against real SQLite and PostgreSQL: claiming, retry with backoff, dead letters.

Time moves by the injected ManualClock; no test sleeps.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from sopdesk.domain.clock import ManualClock
from sopdesk.engine.worker import HandlerRegistry, Job, WorkContext, Worker, WorkerPolicy
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, Timer


def add_outbox(db: Database, clock: ManualClock, kind: str, n: int = 1) -> list[int]:
    ids = []
    with db.transaction() as session:
        for i in range(n):
            row = OutboxMessage(
                kind=kind,
                idempotency_key=f"{kind}:{i}:{clock.now().isoformat()}",
                payload={"n": i},
                status="pending",
                next_attempt_at=clock.now(),
                created_at=clock.now(),
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
    return ids


def add_timer(db: Database, clock: ManualClock, kind: str, due_in: timedelta) -> int:
    with db.transaction() as session:
        timer = Timer(
            due_at=clock.now() + due_in, kind=kind, payload={"x": 1}, created_at=clock.now()
        )
        session.add(timer)
        session.flush()
        return timer.id


def outbox_rows(db: Database) -> dict[int, OutboxMessage]:
    with db.transaction(write=False) as session:
        return {row.id: row for row in session.scalars(select(OutboxMessage))}


def timer_ids(db: Database) -> list[int]:
    with db.transaction(write=False) as session:
        return list(session.scalars(select(Timer.id)))


@pytest.fixture
def registry() -> HandlerRegistry:
    return HandlerRegistry()


def make_worker(db: Database, clock: ManualClock, registry: HandlerRegistry, **policy) -> Worker:
    return Worker(WorkContext(db, clock), registry, WorkerPolicy(**policy))


def test_delivers_outbox_and_fires_only_due_timers(db, clock, registry) -> None:
    seen: list[tuple[str, str, dict]] = []
    registry.add("ping", lambda job, ctx: seen.append((job.source, job.kind, job.payload)))
    [row_id] = add_outbox(db, clock, "ping")
    due = add_timer(db, clock, "ping", timedelta(0))
    later = add_timer(db, clock, "ping", timedelta(minutes=5))
    worker = make_worker(db, clock, registry)

    result = worker.tick()

    assert [job.id for job in result.done] == [due, row_id]
    assert seen == [("timer", "ping", {"x": 1}), ("outbox", "ping", {"n": 0})]
    assert timer_ids(db) == [later]
    delivered = outbox_rows(db)[row_id]
    assert delivered.status == "delivered"
    assert delivered.delivered_at == clock.now()
    assert worker.next_due() == clock.now() + timedelta(minutes=5)
    clock.advance(timedelta(minutes=5))
    assert [job.id for job in worker.tick().done] == [later]
    assert timer_ids(db) == []


def test_kind_without_handler_stays_pending_and_is_not_claimed(db, clock, registry) -> None:
    registry.add("known", lambda job, ctx: None)
    [orphan] = add_outbox(db, clock, "nobody-handles-this")
    timer = add_timer(db, clock, "nobody-handles-this", timedelta(0))
    worker = make_worker(db, clock, registry)

    for _ in range(3):
        assert worker.tick().claimed == 0
    row = outbox_rows(db)[orphan]
    assert (row.status, row.attempts) == ("pending", 0)
    assert timer_ids(db) == [timer]


def test_failed_delivery_retries_with_exponential_backoff_then_dead_letters(
    db, clock, registry
) -> None:
    def broken(job: Job, ctx: WorkContext) -> None:
        raise ConnectionError(f"smtp down (attempt {job.attempt})")

    registry.add("mail", broken)
    [row_id] = add_outbox(db, clock, "mail")
    worker = make_worker(db, clock, registry, max_attempts=3, retry_seconds=10)

    assert len(worker.tick().retried) == 1
    row = outbox_rows(db)[row_id]
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.next_attempt_at == clock.now() + timedelta(seconds=10)
    assert row.last_error == "ConnectionError: smtp down (attempt 1)"

    # Not due yet: nothing is claimed, so a failing row cannot crash-loop.
    clock.advance(timedelta(seconds=9))
    assert worker.tick().claimed == 0

    clock.advance(timedelta(seconds=1))
    assert len(worker.tick().retried) == 1
    assert outbox_rows(db)[row_id].next_attempt_at == clock.now() + timedelta(seconds=20)

    clock.advance(timedelta(seconds=20))
    assert len(worker.tick().dead) == 1
    row = outbox_rows(db)[row_id]
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_error == "ConnectionError: smtp down (attempt 3)"
    clock.advance(timedelta(days=2))
    assert worker.tick().claimed == 0


def test_failing_timer_backs_off_then_becomes_a_dead_letter(db, clock, registry) -> None:
    registry.add("remind", lambda job, ctx: 1 / 0)
    timer = add_timer(db, clock, "remind", timedelta(0))
    worker = make_worker(db, clock, registry, max_attempts=2, retry_seconds=60)

    assert len(worker.tick().retried) == 1
    assert timer_ids(db) == [timer]
    clock.advance(timedelta(seconds=60))
    assert len(worker.tick().dead) == 1

    assert timer_ids(db) == []
    [dead] = outbox_rows(db).values()
    assert (dead.kind, dead.status, dead.attempts) == ("remind", "dead", 2)
    assert dead.idempotency_key == f"timer:{timer}"
    assert dead.payload == {"x": 1, "dead_timer_id": timer}
    assert dead.last_error == "ZeroDivisionError: division by zero"


def test_a_crashed_worker_s_claim_is_retried_after_its_lease(db, clock, registry) -> None:
    registry.add("ping", lambda job, ctx: None)
    [row_id] = add_outbox(db, clock, "ping")
    crashed = make_worker(db, clock, registry, lease_seconds=120)
    [job] = crashed.claim()  # claimed, then the process "dies" before running the handler

    other = make_worker(db, clock, registry, lease_seconds=120)
    assert other.tick().claimed == 0
    clock.advance(timedelta(seconds=120))
    result = other.tick()
    assert [(j.id, j.attempt) for j in result.done] == [(row_id, 2)]
    assert job.idempotency_key == result.done[0].idempotency_key


def test_concurrent_workers_claim_each_row_exactly_once(db, clock, registry) -> None:
    delivered: list[int] = []
    lock = threading.Lock()

    def record(job: Job, ctx: WorkContext) -> None:
        with lock:
            delivered.append(job.id)

    registry.add("ping", record)
    ids = add_outbox(db, clock, "ping", n=60)
    workers = [make_worker(db, clock, registry, batch_size=7) for _ in range(3)]
    barrier = threading.Barrier(len(workers))

    def drain(worker: Worker) -> None:
        barrier.wait()
        while worker.tick().claimed:
            pass

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(delivered) == ids
    assert {row.status for row in outbox_rows(db).values()} == {"delivered"}


def test_stop_ends_the_loop_and_run_delivers_until_then(db, clock, registry) -> None:
    worker = make_worker(db, clock, registry, poll_seconds=0.05)
    done = threading.Event()

    def ping(job: Job, ctx: WorkContext) -> None:
        done.set()

    registry.add("ping", ping)
    add_outbox(db, clock, "ping")
    thread = threading.Thread(target=worker.run)
    thread.start()
    assert done.wait(timeout=30)
    worker.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert {row.status for row in outbox_rows(db).values()} == {"delivered"}


def test_registry_refuses_a_second_handler_for_a_kind(registry) -> None:
    registry.add("ping", lambda job, ctx: None)
    with pytest.raises(ValueError, match="already registered"):
        registry.add("ping", lambda job, ctx: None)


def test_backoff_doubles_and_is_capped() -> None:
    policy = WorkerPolicy(retry_seconds=30)
    assert [policy.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert policy.backoff(40) == timedelta(days=1)
