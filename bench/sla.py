"""SLA benchmark: the at-risk query, breach lateness and routing at 1,000,000 open cases.

For SQLite and PostgreSQL it loads N open cases (default 1,000,000) with one running clock each
(due times spread over 30 days) and a breach timer per clock, N customers with an e-mail identity,
and every 10th case an offense. Bulk loading uses executemany (SQLite) and COPY (PostgreSQL).

1. at-risk: every case whose clock is due in the next hour (`sopdesk.engine.sla.at_risk_query`),
   median of 20 runs, with its EXPLAIN; the baseline is the same query forced to scan
   (SQLite `NOT INDEXED`, PostgreSQL with index scans switched off). Target: <= 100 ms on
   PostgreSQL at 1,000,000 open cases.
2. lateness: 500 extra clocks due over the next 5 s on the real clock, fired by a real `Worker`
   thread (poll 1 s) among the N waiting timers; lateness is the event time minus the due
   instant. Baseline: a 5-minute sweep (Zammad) is late by 150 s on average, 297 s at p99.
   Target: p99 <= 1 s.
3. routing: `decide_routing` (identity linking, offense count across linked accounts, the
   matrix rules) for 2,000 new cases of existing customers, in process, p50/p99. Baseline:
   routing by category alone. Target: p99 <= 5 ms.

Usage: python bench/sla.py [--n 1000000] [--db sqlite|postgres|both] [--pg URL]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, create_engine, func, select, text
from sqlalchemy.orm import Session

from sopdesk.desk import load_desk
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.routing import route_by_category
from sopdesk.engine.routing import decide_routing
from sopdesk.engine.sla_views import at_risk_query
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker, WorkerPolicy
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Case, CaseEvent, SlaClockRow, Timer

OFFENSES = ["dnr", "minor-damage", "missing-incomplete-order"]
PLAIN = ["order-status", "product-information", "ingredients", "change-order"]
CASES = "customer_id,subject,channel,category,offense,level,priority,priority_rank,status,tags,language,desk_version,created_at,updated_at,due_at"  # noqa: E501
CLOCKS = "case_id,policy,metric,calendar,business,target_seconds,consumed_seconds,started_at,running_since,due_at,warned,breached,token"  # noqa: E501


def rows(n: int, now: datetime) -> Iterator[tuple[str, tuple[object, ...]]]:
    rnd = random.Random(7)
    for i in range(1, n + 1):
        created = now - timedelta(minutes=rnd.randrange(0, 60 * 24 * 300))
        due = now + timedelta(seconds=rnd.randrange(60, 30 * 86400))
        yield (
            "customers",
            (i, f"c{i}", f"c{i}@example.com", f"+1555{i:07d}", "en", "standard", now),
        )
        yield ("identities", (i, "email", f"c{i}@example.com", f"c{i}@example.com", now))
        offense = i % 10 == 0
        category = OFFENSES[i % 3] if offense else PLAIN[i % 4]
        kind = {"dnr": "dnr", "minor-damage": "damage"}.get(category, "incomplete")
        yield (
            "cases",
            (
                *(i, "s", "email", category, kind if offense else None, 1, "normal", 1, "open"),
                *("[]", "en", "v", created, created, due),
            ),
        )
        yield (
            "clocks",
            (i, "standard", "first_response", "business", True, 3600.0, 0.0, created, now, due),
        )
        yield ("timers", (due, "sla.breach", i, f'{{"clock_id": {i}, "token": 1}}', 0, now))


SQL = {
    "customers": "INSERT INTO customers (id,name,email,phone,language,tier,created_at) VALUES ",
    "identities": "INSERT INTO customer_identities (customer_id,kind,value,normalized,created_at) VALUES ",  # noqa: E501
    "cases": f"INSERT INTO cases ({CASES}) VALUES ",
    "clocks": f"INSERT INTO sla_clocks ({CLOCKS}) VALUES ",
    "timers": "INSERT INTO timers (due_at,kind,case_id,payload,attempts,created_at) VALUES ",
}
COLUMNS = {
    "customers": "id,name,email,phone,language,tier,created_at",
    "identities": "customer_id,kind,value,normalized,created_at",
    "cases": CASES,
    "clocks": CLOCKS,
    "timers": "due_at,kind,case_id,payload,attempts,created_at",
}
TABLES = {
    "customers": "customers",
    "identities": "customer_identities",
    "cases": "cases",
    "clocks": "sla_clocks",
    "timers": "timers",
}


def _fix(table: str, row: tuple[object, ...]) -> tuple[object, ...]:
    if table == "clocks":
        return (*row, False, False, 1)
    return row


def _sqlite(value: object) -> object:
    # The text SQLAlchemy's SQLite DateTime writes (naive UTC), so comparisons stay textual.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def load_sqlite(db: Database, n: int, now: datetime) -> None:
    raw = db.engine.raw_connection()
    cur = raw.cursor()
    buffers: dict[str, list[tuple[object, ...]]] = {t: [] for t in SQL}

    def flush(table: str) -> None:
        batch = [tuple(_sqlite(v) for v in r) for r in buffers[table]]
        width = len(batch[0])
        cur.executemany(SQL[table] + "(" + ",".join("?" * width) + ")", batch)
        buffers[table].clear()

    cur.execute("BEGIN")
    for table, row in rows(n, now):
        buffers[table].append(_fix(table, row))
        if len(buffers[table]) >= 20_000:
            flush(table)
    for table in SQL:
        if buffers[table]:
            flush(table)
    raw.commit()
    cur.execute("ANALYZE")
    raw.close()


def load_postgres(db: Database, n: int, now: datetime) -> None:
    raw = db.engine.raw_connection()
    cur = raw.cursor()
    buffers = {t: io.StringIO() for t in SQL}

    def field(v: object) -> str:
        if v is None:
            return "\\N"
        if isinstance(v, datetime):
            return v.isoformat()
        return str(v)

    for table, row in rows(n, now):
        buffers[table].write("\t".join(field(v) for v in _fix(table, row)) + "\n")
    for table, buf in buffers.items():
        with cur.copy(f"COPY {TABLES[table]} ({COLUMNS[table]}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(buf.getvalue())
    cur.execute("SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))")
    raw.commit()
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def at_risk(db: Database, now: datetime) -> None:
    until = now + timedelta(hours=1)
    query = at_risk_query(now, until)
    # The same rows through an expression no index covers: what a scan costs.
    due = func.coalesce(SlaClockRow.due_at, SlaClockRow.due_at)
    scan = select(SlaClockRow.case_id, SlaClockRow.due_at).where(due > now, due <= until)
    with db.engine.connect() as conn:
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.is_sqlite:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
            print("  EXPLAIN:", "; ".join(str(r[-1]) for r in plan))
        else:
            plan = conn.exec_driver_sql("EXPLAIN " + sql).all()
            print("  EXPLAIN:", " | ".join(r[0].strip() for r in plan))

        def timed(statement: Select[int, datetime | None]) -> tuple[float, int]:
            times, found = [], 0
            for _ in range(20):
                start = time.perf_counter()
                found = len(conn.execute(statement).all())
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times), found

        ms, found = timed(query)
        base, again = timed(scan)
    assert found == again, (found, again)
    print(f"  at-risk in the next hour: {found} cases in {ms:.2f} ms (median of 20)")
    print(f"  baseline without the index: {base:.1f} ms -> index is {base / ms:.0f}x faster")


def lateness(db: Database, desk: Desk) -> None:
    clock = SystemClock()
    start = clock.now() + timedelta(seconds=1)
    dues = [start + timedelta(seconds=5 * i / 500) for i in range(500)]
    with db.transaction() as session:
        case_ids = session.scalars(select(Case.id).order_by(Case.id).limit(500)).all()
        for case_id, due in zip(case_ids, dues, strict=True):
            row = session.scalar(select(SlaClockRow).where(SlaClockRow.case_id == case_id))
            assert row is not None
            row.due_at, row.running_since, row.token = due, start, 2
            session.add(
                Timer(
                    due_at=due,
                    kind="sla.breach",
                    case_id=case_id,
                    payload={"clock_id": row.id, "token": 2},
                    attempts=0,
                    created_at=start,
                )
            )
    # Only these 500 count: clocks of the loaded cases that fell due meanwhile fire late, as
    # the worker did not run during the other measurements.
    mine = set(case_ids)
    worker = Worker(WorkContext(db, clock, desk), HANDLERS, WorkerPolicy(poll_seconds=1.0))
    thread = threading.Thread(target=worker.run)
    thread.start()
    time.sleep((dues[-1] - clock.now()).total_seconds() + 2.5)
    worker.stop()
    thread.join()
    with db.transaction(write=False) as session:
        late = [
            float(e.data["late_seconds"])
            for e in session.scalars(select(CaseEvent).where(CaseEvent.kind == "sla_event"))
            if e.data.get("sla") == "breach" and e.case_id in mine
        ]
    print(f"  breach events: {len(late)}/500 fired")
    if late:
        p99 = pct(late, 0.99)
        print(
            f"  lateness: p50 {statistics.median(late) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {max(late) * 1000:.0f} ms; 5-min sweep p99 297 s -> {297 / max(p99, 1e-3):.0f}x"
        )


def routing(db: Database, desk: Desk, n: int, now: datetime) -> None:
    rnd = random.Random(11)
    times: list[float] = []
    base: list[float] = []
    with Session(db.engine) as session:
        for k in range(2000):
            customer = rnd.randrange(1, n + 1)
            category = OFFENSES[k % 3] if k % 2 else PLAIN[k % 4]
            case = Case(
                customer_id=customer,
                subject="s",
                channel="email",
                category=category,
                level=1,
                priority="normal",
                priority_rank=1,
                status="new",
                tags=[],
                language="en",
                desk_version="v",
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            start = time.perf_counter()
            decide_routing(session, desk, case, (), now)
            times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            route_by_category(category, desk.categories[category].level)
            base.append((time.perf_counter() - start) * 1000)
        session.rollback()
    p50, p99 = statistics.median(times), pct(times, 0.99)
    print(f"  routing a new case: p50 {p50:.2f} ms, p99 {p99:.2f} ms (target 5 ms: {5 / p99:.1f}x)")
    print(f"  baseline category only: p99 {pct(base, 0.99) * 1000:.1f} us")


@contextmanager
def database(kind: str, pg: str) -> Iterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            yield db
            db.dispose()
        return
    name = f"sopdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(pg.rsplit("/", 1)[0] + "/" + name)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(kind: str, n: int, pg: str, desk: Desk) -> None:
    print(f"{kind}: {n:,} open cases")
    with database(kind, pg) as db:
        upgrade(db.engine)
        now = SystemClock().now()
        loader: Callable[[Database, int, datetime], None]
        loader = load_sqlite if db.is_sqlite else load_postgres
        start = time.perf_counter()
        loader(db, n, now)
        print(f"  loaded in {time.perf_counter() - start:.0f} s")
        at_risk(db, SystemClock().now())
        routing(db, desk, n, SystemClock().now())
        lateness(db, desk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    desk = load_desk(pack_path("starter"))
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        run(kind, args.n, args.pg, desk)


if __name__ == "__main__":
    main()
