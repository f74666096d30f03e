"""The worker against real SQLite and PostgreSQL: batch claims with a lease, one finishing
delete a batch, retry with backoff, dead letters, release on stop, sleeping until the next row.

Time moves by the injected ManualClock; no test sleeps.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from sopdesk.domain.clock import ManualClock
from sopdesk.engine.dead_letters import do_retry_outbox
from sopdesk.engine.worker import HandlerRegistry, Job, WorkContext, Worker, WorkerPolicy
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, Timer
from tests.desks import starter_desk


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


def timer_rows(db: Database) -> dict[int, Timer]:
    with db.transaction(write=False) as session:
        return {row.id: row for row in session.scalars(select(Timer))}


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
    return Worker(WorkContext(db, clock, starter_desk()), registry, WorkerPolicy(**policy))


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
    assert (dead.kind, dead.status, dead.attempts) == ("timer.dead", "dead", 2)
    assert dead.idempotency_key == f"timer:{timer}"
    assert dead.payload == {"x": 1, "dead_timer_id": timer, "timer_kind": "remind"}
    assert dead.last_error == "ZeroDivisionError: division by zero"

    # Sent again, it is a timer due now (a new id: ids are never reused) and fires.
    do_retry_outbox(db, clock, dead.id)
    assert outbox_rows(db) == {}
    [again] = timer_rows(db).values()
    assert (again.kind, again.payload, again.attempts) == ("remind", {"x": 1}, 0)
    assert again.id > timer


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


def test_a_tick_fires_one_batch_oldest_first_and_finishes_it(db, clock, registry) -> None:
    fired: list[Job] = []
    registry.add("ping", lambda job, ctx: fired.append(job))
    ids = [add_timer(db, clock, "ping", timedelta(seconds=-12 + i)) for i in range(12)]
    worker = make_worker(db, clock, registry, batch_size=5)

    assert [job.id for job in worker.tick().done] == ids[:5]
    assert sorted(timer_ids(db)) == ids[5:]
    assert [job.id for job in worker.tick().done] == ids[5:10]
    assert [job.id for job in worker.tick().done] == ids[10:]
    assert worker.tick().claimed == 0
    assert timer_ids(db) == []
    # Each job carries the instant it was due, not its lease, and its first attempt.
    assert [job.due_at for job in fired] == [
        clock.now() + timedelta(seconds=-12 + i) for i in range(12)
    ]
    assert {job.attempt for job in fired} == {1}


def test_a_burst_of_timers_does_not_starve_the_outbox(db, clock, registry) -> None:
    registry.add("ping", lambda job, ctx: None)
    for _ in range(10):
        add_timer(db, clock, "ping", timedelta(0))
    [row_id] = add_outbox(db, clock, "ping")
    worker = make_worker(db, clock, registry, batch_size=3)

    result = worker.tick()

    assert [job.source for job in result.done] == ["timer"] * 3 + ["outbox"]
    assert outbox_rows(db)[row_id].status == "delivered"
    assert len(timer_ids(db)) == 7


def test_one_failing_timer_in_a_batch_backs_off_alone(db, clock, registry) -> None:
    registry.add("ok", lambda job, ctx: None)
    registry.add("broken", lambda job, ctx: 1 / 0)
    good = [add_timer(db, clock, "ok", timedelta(0)) for _ in range(3)]
    bad = add_timer(db, clock, "broken", timedelta(0))
    worker = make_worker(db, clock, registry, retry_seconds=60)

    result = worker.tick()

    assert sorted(job.id for job in result.done) == good
    assert [job.id for job in result.retried] == [bad]
    row = timer_rows(db)[bad]
    assert (row.attempts, row.due_at) == (1, clock.now() + timedelta(seconds=60))
    assert timer_ids(db) == [bad]


def test_a_self_deleting_timer_fires_once_though_the_worker_died_before_finishing(
    db, clock, registry
) -> None:
    """Like `playbook.timer`: the handler deletes its row and does its work in one transaction,
    so a worker that dies after the handler's commit and before the batch's finishing delete
    leaves nothing to fire again when the lease ends."""
    effects: list[int] = []

    def fire_once(job: Job, ctx: WorkContext) -> None:
        with ctx.db.transaction() as session:
            gone = session.execute(delete(Timer).where(Timer.id == job.id)).rowcount
            if gone == 1:
                effects.append(job.id)

    registry.add("once", fire_once)
    ids = [add_timer(db, clock, "once", timedelta(0)) for _ in range(4)]
    crashed = make_worker(db, clock, registry, lease_seconds=60)
    for job in crashed.claim():  # runs the handlers, then "dies" before _finish_timers
        fire_once(job, crashed.ctx)

    clock.advance(timedelta(seconds=61))
    assert make_worker(db, clock, registry).tick().claimed == 0
    assert effects == ids
    assert timer_ids(db) == []


def test_stop_in_the_middle_of_a_batch_hands_the_rest_back_at_once(db, clock, registry) -> None:
    worker = make_worker(db, clock, registry, lease_seconds=300)
    ran: list[int] = []

    def stop_after_first(job: Job, ctx: WorkContext) -> None:
        ran.append(job.id)
        worker.stop()

    registry.add("ping", stop_after_first)
    ids = [add_timer(db, clock, "ping", timedelta(seconds=-1)) for _ in range(3)]
    [row_id] = add_outbox(db, clock, "ping")

    result = worker.tick()

    assert ran == ids[:1]
    released = [(job.source, job.id) for job in result.released]
    assert released == [("timer", ids[1]), ("timer", ids[2]), ("outbox", row_id)]
    rows = timer_rows(db)
    assert sorted(rows) == ids[1:]
    # Due again at the instant they were due before the claim, as if never claimed.
    assert {(r.due_at, r.attempts) for r in rows.values()} == {
        (clock.now() - timedelta(seconds=1), 0)
    }
    outbox = outbox_rows(db)[row_id]
    assert (outbox.status, outbox.attempts, outbox.next_attempt_at) == ("pending", 0, clock.now())
    nxt = make_worker(db, clock, registry)
    assert [(job.source, job.id, job.attempt) for job in nxt.tick().done] == [
        ("timer", ids[1], 1),
        ("timer", ids[2], 1),
        ("outbox", row_id, 1),
    ]


def test_idle_worker_sleeps_until_the_next_due_row_within_the_poll_bound(
    db, clock, registry
) -> None:
    registry.add("ping", lambda job, ctx: None)
    worker = make_worker(db, clock, registry, poll_seconds=2.0)
    assert worker.idle_seconds() == 2.0  # nothing pending: wake once per poll_seconds

    add_timer(db, clock, "ignored-kind", timedelta(milliseconds=100))
    assert worker.idle_seconds() == 2.0  # a kind it cannot fire does not wake it

    add_timer(db, clock, "ping", timedelta(minutes=5))
    assert worker.idle_seconds() == 2.0
    add_outbox(db, clock, "ping")
    assert worker.next_due() == clock.now()
    assert worker.idle_seconds() == 0.01  # due now: the shortest nap, never a spin
    worker.tick()
    add_timer(db, clock, "ping", timedelta(milliseconds=750))
    assert worker.idle_seconds() == 0.75
