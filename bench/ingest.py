"""Ingest benchmark: how fast sopdesk turns inbound contacts into cases, against the raw database.

It creates N cases (default 5,000) three ways and prints cases/s with p50/p99 latency:

1. raw: the same rows a new case writes (customer find-or-create with its e-mail identity, the
   case with its due time, its four timeline events: case_created, message_in, routing and the
   SLA clock's start, the first-response clock with its warning and breach timers; no webhook
   outbox rows, as no subscriber is configured), inserted with plain sqlite3 (or psycopg with
   --db postgresql://...), one transaction per case. The ceiling. The rows per case of both ways
   are printed side by side, so a difference shows.
2. in-process: the code path of POST /api/v1/cases without HTTP: the request body parsed into
   CreateCase, check_create_case, do_create_case, one after the other in this process.
3. HTTP: POST /api/v1/cases to a real `sopdesk serve --no-worker --workers N` subprocess on
   127.0.0.1 (N web processes, default 1), from 4 client threads (httpx, keep-alive), after 100
   unmeasured warm-up requests. The clients share this machine's CPUs with the server, as a
   load balancer's health checker would not.

With --profile TOP it then profiles the in-process way (at most 1,000 cases): SQL statements
per case by kind, and the TOP cProfile entries by cumulative time.

The figure is the ratio to raw. It also prints the resident memory (RSS) of the idle
`sopdesk serve` (with --workers N, of its whole process tree), before and after the load.
Each way writes into its own fresh database (SQLite WAL files in a temporary folder, or fresh
PostgreSQL databases it drops after).
Targets on a 2-core machine: in-process >= 25% of raw, HTTP c=4 >= 1,000 cases/s with p99 <= 20
ms, idle RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from sopdesk.desk import load_desk
from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.packs import pack_path
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade

SOPDESK = str(Path(sys.executable).with_name("sopdesk"))
CUSTOMERS = 1000  # distinct senders: most cases come from a customer seen before


def payload(i: int) -> dict[str, object]:
    return {
        "customer_email": f"customer{i % CUSTOMERS}@example.com",
        "customer_name": f"Customer {i % CUSTOMERS}",
        "subject": f"Where is my order #{100000 + i}?",
        "body": "Hi,\n\nmy order was placed two weeks ago and has not arrived yet. "
        "The tracking number does not work. Can you help?\n\nThanks",
        "channel": "email",
    }


class Stats:
    def __init__(self, label: str, seconds: float, latencies: list[float]) -> None:
        self.label = label
        self.rate = len(latencies) / seconds
        ordered = sorted(latencies)
        self.p50 = statistics.median(ordered) * 1000
        self.p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    def line(self, raw: Stats | None = None) -> str:
        ratio = f"  {self.rate / raw.rate:6.1%} of raw" if raw else ""
        return (
            f"{self.label:<40} {self.rate:8.0f} cases/s   p50 {self.p50:6.2f} ms   "
            f"p99 {self.p99:6.2f} ms{ratio}"
        )


def timed(n: int, one: Callable[[int], None]) -> tuple[float, list[float]]:
    latencies = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        one(i)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies


# --- databases ------------------------------------------------------------------------------


@contextmanager
def fresh_database(base: str | None, folder: Path, name: str) -> Iterator[str]:
    """The URL of a new empty database, migrated to head; PostgreSQL ones are dropped after."""
    if base is None:
        url = f"sqlite:///{folder / (name + '.db')}"
        migrate(url)
        yield url
        return
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    db_name = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    url = make_url(normalise_url(base)).set(database=db_name).render_as_string(False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    db = Database(url)
    upgrade(db.engine)
    db.dispose()


# --- 1. raw ---------------------------------------------------------------------------------

CUSTOMER_SQL = (
    "INSERT INTO customers (email, name, language, tier, created_at) VALUES ({p}, {p}, 'en', "
    "'standard', {p}) ON CONFLICT (email) DO NOTHING RETURNING id"
)
IDENTITY_SQL = (
    "INSERT INTO customer_identities (customer_id, kind, value, normalized, created_at) "
    "VALUES ({p}, 'email', {p}, {p}, {p})"
)
CASE_SQL = (
    "INSERT INTO cases (customer_id, subject, channel, level, priority, priority_rank, status, "
    "tags, language, desk_version, created_at, updated_at, due_at) VALUES ({p}, {p}, {p}, 1, "
    "'normal', 1, 'new', '[]', 'en', {p}, {p}, {p}, {p}) RETURNING id"
)
EVENT_SQL = (
    "INSERT INTO case_events (case_id, kind, at, actor_kind, actor_id, channel, body, data) "
    "VALUES ({p}, {p}, {p}, {p}, NULL, {p}, {p}, {p})"
)
CLOCK_SQL = (
    "INSERT INTO sla_clocks (case_id, policy, metric, calendar, business, target_seconds, "
    "warn_seconds, consumed_seconds, started_at, running_since, due_at, warn_at, warned, "
    "breached, token) VALUES ({p}, 'standard', 'first_response', 'business', TRUE, 28800.0, "
    "21600.0, 0.0, {p}, {p}, {p}, {p}, FALSE, FALSE, 1) RETURNING id"
)
TIMER_SQL = (
    "INSERT INTO timers (due_at, kind, case_id, payload, attempts, created_at) "
    "VALUES ({p}, {p}, {p}, {p}, 0, {p})"
)
# The tables a case creation writes to, in the order the per-case row counts are printed.
TABLES = (
    "customers",
    "customer_identities",
    "customer_links",
    "cases",
    "case_events",
    "sla_clocks",
    "timers",
    "playbook_runs",
    "outbox",
)


def raw_case(cur: object, p: str, i: int, version: str) -> None:
    """The rows of one case as do_create_case writes them for payload(i) on the starter desk
    (no category, no agent of level 1): see `row_counts`, printed next to it, for the check."""
    body = payload(i)
    now = datetime.now(UTC).replace(tzinfo=None)
    at = now.isoformat(sep=" ")
    due, warn = ((now + timedelta(hours=h)).isoformat(sep=" ") for h in (8, 6))
    email = str(body["customer_email"])
    execute = cur.execute  # type: ignore[attr-defined]
    known = execute("SELECT id FROM customers WHERE email = " + p, (email,)).fetchone()
    if known is not None:
        customer_id = known[0]
    else:
        customer_id = execute(
            CUSTOMER_SQL.format(p=p), (email, body["customer_name"], at)
        ).fetchone()[0]
        execute(IDENTITY_SQL.format(p=p), (customer_id, email, email, at))
    case_id = execute(
        CASE_SQL.format(p=p), (customer_id, body["subject"], "email", version, at, at, due)
    ).fetchone()[0]
    subject = json.dumps({"subject": body["subject"], "desk_version": version})
    for kind, actor, channel, text_, data in (
        ("case_created", "agent", "email", None, subject),
        ("message_in", "agent", "email", body["body"], json.dumps({"from": email})),
        ("routing", "agent", None, "level 1 because: no category yet",
         '{"level": 1, "category": null, "assignee_id": null, "rules": [], '
         '"linked_customer_ids": [], "offenses": {}}'),
        ("sla_event", "system", None, "first response clock (standard): started",
         json.dumps({"sla": "started", "metric": "first_response", "due_at": due})),
    ):  # fmt: skip
        execute(EVENT_SQL.format(p=p), (case_id, kind, at, actor, channel, text_, data))
    clock_id = execute(CLOCK_SQL.format(p=p), (case_id, at, at, due, warn)).fetchone()[0]
    for kind, when in (("sla.warn", warn), ("sla.breach", due)):
        payload_ = json.dumps({"clock_id": clock_id, "token": 1})
        execute(TIMER_SQL.format(p=p), (when, kind, case_id, payload_, at))


def row_counts(url: str) -> dict[str, int]:
    """Rows per table in a bench database, to show that raw and sopdesk wrote the same."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        counts = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }
    engine.dispose()
    return counts


def run_raw(url: str, n: int, version: str) -> Stats:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")

        def one(i: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            raw_case(conn, "?", i, version)
            conn.execute("COMMIT")

        label = "raw sqlite3, 1 transaction/case"
    else:
        import psycopg

        conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))

        def one(i: int) -> None:
            with conn.transaction():
                raw_case(conn, "%s", i, version)

        label = "raw psycopg, 1 transaction/case"
    seconds, latencies = timed(n, one)
    conn.close()
    return Stats(label, seconds, latencies)


# --- 2. in-process --------------------------------------------------------------------------


def run_in_process(url: str, desk_dir: Path, n: int) -> Stats:
    db = Database(url)
    desk = load_desk(desk_dir)
    clock = SystemClock()
    caller = Principal(ActorKind.AGENT, id=None, level=4, roles=frozenset({Role.ADMIN}))

    def one(i: int) -> None:
        command = CreateCase.model_validate(payload(i))
        plan = check_create_case(db, caller, desk, command)
        do_create_case(db, clock, desk, caller, command, plan)

    seconds, latencies = timed(n, one)
    db.dispose()
    return Stats("in-process check_ + do_create_case", seconds, latencies)


def profile_in_process(url: str, desk_dir: Path, n: int, top: int) -> None:
    """The in-process way under cProfile, after 20 unmeasured cases: the SQL statements per
    case by kind, and the `top` entries by cumulative time (what costs the time)."""
    db = Database(url)
    desk = load_desk(desk_dir)
    clock = SystemClock()
    caller = Principal(ActorKind.AGENT, id=None, level=4, roles=frozenset({Role.ADMIN}))
    statements: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        statements.append(" ".join(statement.split())[:90])

    def one(i: int) -> None:
        command = CreateCase.model_validate(payload(i))
        plan = check_create_case(db, caller, desk, command)
        do_create_case(db, clock, desk, caller, command, plan)

    for i in range(20):
        one(n + i)
    event.listen(db.engine, "before_cursor_execute", count)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        one(i)
    profiler.disable()
    event.remove(db.engine, "before_cursor_execute", count)
    db.dispose()
    kinds: dict[str, int] = {}
    for statement in statements:
        kinds[statement] = kinds.get(statement, 0) + 1
    print(f"\nSQL statements per case: {len(statements) / n:.2f}")
    for kind, k in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"  {k / n:5.2f}  {kind}")
    print(f"\ncProfile of {n} in-process cases, top {top} by cumulative time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


# --- 3. HTTP --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (the web processes of --workers N)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += rss_mb(int(child))
    return total


def sopdesk_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([SOPDESK, *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def run_http(
    url: str, desk_dir: Path, n: int, concurrency: int, workers: int
) -> tuple[Stats, float, float]:
    env = {**os.environ, "SOPDESK_DATABASE_URL": url, "SOPDESK_DESK": str(desk_dir)}
    sopdesk_cli(env, "agent", "add", "--email", "bench@example.com", "--name", "Bench",
                "--level", "4", "--role", "admin")  # fmt: skip
    token = sopdesk_cli(env, "token", "create", "--agent", "bench@example.com").split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [
            SOPDESK,
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--workers",
            str(workers),
        ],
        env={**env, "SOPDESK_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("sopdesk serve did not start")
            time.sleep(0.1)
        time.sleep(1.0)
        idle = rss_mb(server.pid)
        headers = {"Authorization": f"Bearer {token}"}
        # The first requests load the triage models: more than httpx's 5 s on a busy machine.
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for i in range(100):
                client.post("/api/v1/cases", json=payload(n + i)).raise_for_status()
        latencies: list[float] = []
        lock = threading.Lock()
        counter = iter(range(n))

        def drive() -> None:
            mine = []
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                while True:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        break
                    t0 = time.perf_counter()
                    client.post("/api/v1/cases", json=payload(i)).raise_for_status()
                    mine.append(time.perf_counter() - t0)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=drive) for _ in range(concurrency)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        time.sleep(1.0)
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    label = f"HTTP POST /api/v1/cases, concurrency {concurrency}"
    if workers > 1:
        label += f", {workers} processes"
    return Stats(label, seconds, latencies), idle, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="cases per way (default 5000)")
    parser.add_argument("--db", help="postgresql://… server to use instead of SQLite")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--skip-http", action="store_true", help="leave out the HTTP way")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="TOP",
        help="after the in-process way, profile it again (cProfile, SQL statements per case) "
        "and print the TOP entries by cumulative time",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="web processes of the served app (default 1)"
    )
    args = parser.parse_args()
    print(__doc__)
    engine = "PostgreSQL" if args.db else "SQLite (WAL, synchronous=NORMAL)"
    print(f"N = {args.n} cases on {engine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="sopdesk-bench-") as tmp:
        folder = Path(tmp)
        desk_dir = folder / "desk"
        shutil.copytree(pack_path("starter"), desk_dir)
        version = load_desk(desk_dir).version
        with fresh_database(args.db, folder, "raw") as url:
            raw = run_raw(url, args.n, version)
            raw_rows = row_counts(url)
        print(raw.line())
        with fresh_database(args.db, folder, "inproc") as url:
            inproc = run_in_process(url, desk_dir, args.n)
            inproc_rows = row_counts(url)
        print(inproc.line(raw))
        print(f"{'rows per case (raw / in-process)':<40} " + ", ".join(
            f"{t} {raw_rows[t] / args.n:.2f}/{inproc_rows[t] / args.n:.2f}" for t in TABLES
        ))  # fmt: skip
        if args.profile:
            with fresh_database(args.db, folder, "profile") as url:
                profile_in_process(url, desk_dir, min(args.n, 1000), args.profile)
        if args.skip_http:
            return
        with fresh_database(args.db, folder, "http") as url:
            http, idle, after = run_http(url, desk_dir, args.n, args.concurrency, args.workers)
        print(http.line(raw))
        print(f"{'sopdesk serve RSS':<40} {idle:8.1f} MB idle after start, {after:.1f} MB idle "
              f"after the load")  # fmt: skip


if __name__ == "__main__":
    main()
