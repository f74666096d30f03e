"""Timer benchmark: how fast and how punctually sopdesk's worker fires durable timers.

With N timers pending (default 1,000,000; --n for quick runs) it measures, on SQLite (default)
or PostgreSQL (--db postgresql://...):

1. raw: select-and-delete of due rows with plain SQL in batches of --batch, one transaction a
   batch (`DELETE ... WHERE id IN (SELECT ... ORDER BY due_at LIMIT b)`). The ceiling.
2. backlog: the real Worker (claim with lease, run the handler, delete) with a no-op handler on
   N timers that are all due: timers fired per second, with --workers worker threads.
3. on time: N timers due evenly over the next --seconds: lateness of each firing (fired at minus
   due), p50/p99, while the rest are pending.
4. burst: --burst timers (default 100,000) due at the same second: time to drain, lateness p99.

Each phase works on a fresh database. Prints one line per phase.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from sopdesk.domain.clock import SystemClock
from sopdesk.engine.worker import HandlerRegistry, Job, WorkContext, Worker, WorkerPolicy
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Timer

KIND = "bench.timer"


@contextmanager
def fresh_database(url: str | None) -> Iterator[Database]:
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


def schedule(db: Database, dues: list[datetime]) -> float:
    """Inserts one timer per due time in chunks; returns rows/s."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    chunk = 20_000
    for i in range(0, len(dues), chunk):
        rows = [
            {"due_at": d, "kind": KIND, "payload": {}, "attempts": 0, "created_at": now}
            for d in dues[i : i + chunk]
        ]
        with db.transaction() as session:
            session.execute(insert(Timer), rows)
    return len(dues) / (time.perf_counter() - started)


def raw_drain(db: Database, batch: int) -> float:
    sql = text(
        "DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE due_at <= :now "
        "ORDER BY due_at, id LIMIT :batch)"
    )
    total, started = 0, time.perf_counter()
    while True:
        with db.transaction() as session:
            gone = session.execute(sql, {"now": datetime.now(UTC), "batch": batch}).rowcount  # type: ignore[attr-defined]
        if not gone:
            break
        total += gone
    return total / (time.perf_counter() - started)


def run_workers(db: Database, workers: int, batch: int, expected: int) -> tuple[float, list[float]]:
    """Runs worker threads until `expected` timers fired; returns (fired/s, lateness seconds)."""
    lateness: list[float] = []
    lock = threading.Lock()
    registry = HandlerRegistry()
    due_of: dict[int, datetime] = {}

    def handler(job: Job, ctx: WorkContext) -> None:
        late = (datetime.now(UTC) - due_of[job.id]).total_seconds()
        with lock:
            lateness.append(late)

    registry.add(KIND, handler)
    with db.transaction(write=False) as session:
        for timer_id, due in session.execute(text("SELECT id, due_at FROM timers")):
            due_of[timer_id] = due
    for key, value in due_of.items():
        if isinstance(value, str):
            due_of[key] = datetime.fromisoformat(value)
        if due_of[key].tzinfo is None:
            due_of[key] = due_of[key].replace(tzinfo=UTC)
    policy = WorkerPolicy(poll_seconds=0.05, batch_size=batch)
    pool = [Worker(WorkContext(db, SystemClock()), registry, policy) for _ in range(workers)]
    started = time.perf_counter()
    threads = [threading.Thread(target=w.run, daemon=True) for w in pool]
    for thread in threads:
        thread.start()
    while len(lateness) < expected:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    for w in pool:
        w.stop()
    for thread in threads:
        thread.join()
    return expected / elapsed, lateness


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL admin URL; default: SQLite in a temp folder")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="spread of phase 3")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    engine = "PostgreSQL" if args.db else "SQLite"
    print(f"timers on {engine}: N={args.n:,}, burst={args.burst:,}, workers={args.workers}")
    past = datetime.now(UTC) - timedelta(seconds=1)

    with fresh_database(args.db) as db:
        rate = schedule(db, [past] * args.n)
        raw = raw_drain(db, args.batch)
    print(f"  schedule : {rate:,.0f} timers/s inserted")
    print(f"  raw SQL  : {raw:,.0f} timers/s select-and-delete (batch {args.batch})")

    with fresh_database(args.db) as db:
        schedule(db, [past] * args.n)
        fired, _ = run_workers(db, args.workers, args.batch, args.n)
    print(f"  backlog  : {fired:,.0f} timers/s fired by the worker ({fired / raw:.0%} of raw)")

    with fresh_database(args.db) as db:
        start = datetime.now(UTC) + timedelta(seconds=2)
        step = args.seconds / args.n
        schedule(db, [start + timedelta(seconds=i * step) for i in range(args.n)])
        _, late = run_workers(db, args.workers, args.batch, args.n)
    print(
        f"  on time  : {args.n / args.seconds:,.0f} due/s over {args.seconds:.0f} s, lateness "
        f"p50 {pct(late, 50) * 1000:.0f} ms, p99 {pct(late, 99) * 1000:.0f} ms"
    )

    with fresh_database(args.db) as db:
        due = datetime.now(UTC) + timedelta(seconds=3)
        schedule(db, [due] * args.burst)
        fired, late = run_workers(db, args.workers, args.batch, args.burst)
    print(
        f"  burst    : {args.burst:,} due at one second drained in {max(late):.1f} s "
        f"({fired:,.0f}/s), lateness p50 {pct(late, 50):.2f} s, p99 {pct(late, 99):.2f} s"
    )


if __name__ == "__main__":
    main()
