"""Timer benchmark: how fast and how punctually sopdesk's worker fires durable timers.

On SQLite (default, a file in a temp folder) or PostgreSQL (--db postgresql://..., two worker
processes unless --workers says otherwise), with N timers scheduled (default 1,000,000):

1. schedule: N rows inserted (executemany on SQLite, COPY on PostgreSQL).
2. plans: EXPLAIN of the worker's own claim and next-due queries with the N rows pending.
3. raw: the ceiling. Plain SQL in one process deletes the N due rows in batches of --batch,
   `DELETE ... WHERE id IN (SELECT ... ORDER BY due_at, id LIMIT b)`, one transaction a batch.
4. backlog: the real Worker (claim with a lease, run the handler, finish the batch), in
   --workers processes with a no-op timer kind registered by this script, fires the same N
   due rows: timers fired per second, and as a ratio of raw.
5. on time: N timers pending a day ahead; then --rate timers a second fall due for --seconds.
   Lateness of each firing (fired at minus due at), p50/p99, for the worker (default policy:
   it sleeps until the next due row, at most `poll_seconds`) and for a raw poller that runs
   the raw delete with RETURNING every 10 ms.
6. burst: --burst timers (default 100,000) due at the same second with the N still pending:
   time to drain and lateness p50/p99.

Each of 3, 4 and 5+6 starts from a fresh database. Prints one line (or a plan) per phase.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import tempfile
import threading
import time
import uuid
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, event, insert, text
from sqlalchemy.engine import make_url

from sopdesk.desk.load import load_desk
from sopdesk.domain.clock import SystemClock
from sopdesk.engine.worker import (
    HandlerRegistry,
    Job,
    WorkContext,
    Worker,
    WorkerPolicy,
    due_timers_query,
    next_timer_query,
)
from sopdesk.packs import pack_path
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Timer

KIND = "bench.timer"


@contextmanager
def fresh_database(url: str | None) -> Iterator[Database]:
    """A migrated, empty database: a SQLite file, or a new PostgreSQL database dropped after."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(db.engine)
            yield db
            db.dispose()
        return
    admin_url = normalise_url(url)
    name = f"sopdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- scheduling -----------------------------------------------------------------------------


def schedule(db: Database, first: datetime, n: int, step: float = 0.0) -> float:
    """Inserts `n` timers due at `first + i * step` seconds; returns the seconds it took."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    dues = (first + timedelta(seconds=i * step) for i in range(n))
    if db.is_sqlite:
        chunk: list[dict[str, Any]] = []
        for due in dues:
            chunk.append(
                {"due_at": due, "kind": KIND, "payload": {}, "attempts": 0, "created_at": now}
            )
            if len(chunk) == 50_000:
                _insert(db, chunk)
                chunk = []
        _insert(db, chunk)
    else:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            sql = "COPY timers (due_at, kind, payload, attempts, created_at) FROM STDIN"
            with cursor.copy(sql) as copy:
                for due in dues:
                    copy.write_row((due, KIND, "{}", 0, now))
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE timers"))
            conn.commit()
    return time.perf_counter() - started


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    if rows:
        with db.transaction() as session:
            session.execute(insert(Timer), rows)


def pending(db: Database) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(text("SELECT count(*) FROM timers")) or 0)


# --- plans ----------------------------------------------------------------------------------


def explain(db: Database, query: Select[Any]) -> list[str]:
    """The plan of one of the worker's own queries, compiled and bound as the worker runs it.

    PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) in a transaction rolled back (the claim's row locks
    go with it), so the buffers read show the cost. SQLite: EXPLAIN QUERY PLAN.
    """
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "

    def add_prefix(*args: Any) -> tuple[str, Any]:
        statement, parameters = args[2], args[3]
        return prefix + statement, parameters

    with db.engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", add_prefix, retval=True)
        result = conn.execute(query)
        rows = result.cursor.fetchall() if result.cursor else []
        conn.rollback()
    if db.is_sqlite:
        return [str(row[-1]) for row in rows]
    return [str(row[0]) for row in rows]


# --- raw SQL --------------------------------------------------------------------------------

RAW_DELETE = (
    "DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE due_at <= :now "
    "ORDER BY due_at, id LIMIT :batch)"
)


def raw_drain(db: Database, batch: int) -> tuple[int, float]:
    """Deletes every due row with plain SQL; returns (rows, seconds)."""
    total, started = 0, time.perf_counter()
    while True:
        with db.transaction() as session:
            gone = session.execute(
                text(RAW_DELETE), {"now": _bind_now(db), "batch": batch}
            ).rowcount
        if not gone:
            break
        total += gone
    return total, time.perf_counter() - started


def _bind_now(db: Database) -> Any:
    now = datetime.now(UTC)
    # text() binds skip sopdesk's column type: SQLite compares the stored naive UTC text.
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else now


def raw_poll(db: Database, batch: int, expected: int) -> list[float]:
    """A raw poller: the raw delete with RETURNING every 10 ms; returns each row's lateness."""
    lateness: list[float] = []
    sql = text(RAW_DELETE + " RETURNING due_at")
    while len(lateness) < expected:
        with db.transaction() as session:
            dues = session.execute(sql, {"now": _bind_now(db), "batch": batch}).scalars().all()
        fired = datetime.now(UTC)
        for due in dues:
            if isinstance(due, str):
                due = datetime.fromisoformat(due)
            if due.tzinfo is None:
                due = due.replace(tzinfo=UTC)
            lateness.append((fired - due).total_seconds())
        if not dues:
            time.sleep(0.01)
    return lateness


# --- worker processes -----------------------------------------------------------------------


def _worker_process(
    url: str,
    batch: int,
    poll: float,
    slot: int,
    counts: Any,
    last: Any,
    go: Any,
    stop: Any,
    out: Any,
) -> None:
    """One worker process: the real Worker with a no-op handler that records lateness only."""
    db = Database(url)
    late = array("d")
    registry = HandlerRegistry()

    def fire(job: Job, ctx: WorkContext) -> None:
        assert job.due_at is not None
        now = datetime.now(UTC)
        late.append((now - job.due_at).total_seconds())
        last[slot] = now.timestamp()

    registry.add(KIND, fire)
    worker = Worker(
        WorkContext(db, SystemClock(), load_desk(pack_path("starter"))),
        registry,
        WorkerPolicy(poll, batch),
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    go.wait()
    thread.start()
    while not stop.wait(0.02):
        counts[slot] = len(late)
    worker.stop()
    thread.join()
    out.put((slot, late.tobytes()))
    db.dispose()


class WorkerPool:
    """`n` worker processes (spawned: no database connection crosses a fork)."""

    def __init__(self, ctx: SpawnContext, url: str, n: int, batch: int, poll: float) -> None:
        self.counts = ctx.Array("q", n, lock=False)
        self.last = ctx.Array("d", n, lock=False)
        self.go, self.stop = ctx.Event(), ctx.Event()
        self.out: Any = ctx.Queue()
        self.processes = [
            ctx.Process(
                target=_worker_process,
                args=(url, batch, poll, i, self.counts, self.last, self.go, self.stop, self.out),
            )
            for i in range(n)
        ]
        for process in self.processes:
            process.start()
        time.sleep(3.0)  # let the spawned interpreters import sopdesk before the clock starts

    def start(self) -> float:
        self.go.set()
        return time.time()

    def wait_for(self, fired: int, timeout: float = 3600.0) -> None:
        deadline = time.monotonic() + timeout
        while sum(self.counts) < fired:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {sum(self.counts):,} of {fired:,} timers fired")
            time.sleep(0.02)

    def finish(self) -> tuple[list[float], float]:
        """Stops the workers; returns every lateness and the wall time of the last firing."""
        self.stop.set()
        late: list[float] = []
        for _ in self.processes:
            _, data = self.out.get(timeout=120)
            late.extend(array("d", data))
        for process in self.processes:
            process.join(timeout=60)
        return late, max(self.last)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:,.0f} ms, p99 {pct(values, 99) * 1000:,.0f} ms"


# --- the phases -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL admin URL; default: SQLite in a temp folder")
    parser.add_argument("--n", type=int, default=1_000_000, help="timers scheduled")
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=2_000, help="due per second in phase 5")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of phase 5")
    parser.add_argument("--workers", type=int, help="worker processes (SQLite 1, PostgreSQL 2)")
    parser.add_argument("--batch", type=int, default=500, help="rows a claim takes")
    args = parser.parse_args()
    workers = args.workers or (2 if args.db else 1)
    engine = "PostgreSQL" if args.db else "SQLite"
    ctx = mp.get_context("spawn")
    print(
        f"timers on {engine}: N={args.n:,}, burst={args.burst:,}, workers={workers} "
        f"(processes), batch={args.batch}",
        flush=True,
    )
    past = datetime.now(UTC) - timedelta(seconds=1)

    with fresh_database(args.db) as db:
        took = schedule(db, past, args.n)
        print(f"  schedule : {args.n:,} timers in {took:.1f} s ({args.n / took:,.0f}/s)")
        now = datetime.now(UTC)
        print(f"  plan     : claim ({args.batch} due of {args.n:,} pending)")
        for line in explain(db, due_timers_query([KIND], now, args.batch)):
            print(f"             {line}")
        print("  plan     : next due")
        for line in explain(db, next_timer_query([KIND])):
            print(f"             {line}")
        rows, took = raw_drain(db, args.batch)
        raw = rows / took
    print(f"  raw SQL  : {rows:,} select-and-deleted in {took:.1f} s: {raw:,.0f}/s", flush=True)

    with fresh_database(args.db) as db:
        schedule(db, past, args.n)
        pool = WorkerPool(ctx, db.url, workers, args.batch, 1.0)
        started = pool.start()
        pool.wait_for(args.n)
        _, ended = pool.finish()
        left = pending(db)
    rate = args.n / (ended - started)
    print(
        f"  backlog  : {args.n:,} fired by the worker in {ended - started:.1f} s: {rate:,.0f}/s "
        f"= {rate / raw:.2f} x raw ({left} left)",
        flush=True,
    )

    with fresh_database(args.db) as db:
        schedule(db, datetime.now(UTC) + timedelta(days=1), args.n)
        stream = int(args.rate * args.seconds)
        policy = WorkerPolicy()
        pool = WorkerPool(ctx, db.url, workers, args.batch, policy.poll_seconds)
        pool.start()
        schedule(db, datetime.now(UTC) + timedelta(seconds=2), stream, 1.0 / args.rate)
        pool.wait_for(stream)
        late, _ = pool.finish()
        print(
            f"  on time  : {stream:,} due at {args.rate:,}/s with {pending(db):,} pending; "
            f"lateness worker {ms(late)}",
            flush=True,
        )
        schedule(db, datetime.now(UTC) + timedelta(seconds=1), stream, 1.0 / args.rate)
        raw_late = raw_poll(db, args.batch, stream)
        print(f"             raw poller every 10 ms {ms(raw_late)}", flush=True)

        pool = WorkerPool(ctx, db.url, workers, args.batch, policy.poll_seconds)
        pool.start()
        due = datetime.now(UTC) + timedelta(seconds=5)
        schedule(db, due, args.burst)
        pool.wait_for(args.burst)
        late, ended = pool.finish()
        drained = ended - due.timestamp()
        print(
            f"  burst    : {args.burst:,} due at one second with {pending(db):,} pending: "
            f"drained in {drained:.1f} s ({args.burst / drained:,.0f}/s), "
            f"lateness p50 {pct(late, 50):.2f} s, p99 {pct(late, 99):.2f} s"
        )


if __name__ == "__main__":
    main()
