"""Report benchmark: every report of sopdesk.engine.reports at N cases with timelines.

For SQLite and PostgreSQL it bulk-loads N cases (default 1,000,000) with their events, two SLA
clocks each, escalations, shop tasks and ledger entries (bench/reports_data.py), then times each
report over the whole 90-day history (median of 3 runs) next to a baseline measured in the same
run: a plain COUNT(*) of the cases table. Targets: every report < 1 s on PostgreSQL and < 3 s on
SQLite at 1,000,000 cases.

Usage: python -m bench.reports [--cases 1000000] [--db postgresql://...] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.progress import Progress
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.reports_data import load
from sopdesk.domain.principal import Principal
from sopdesk.engine.reports import REPORTS, ReportFilter, run_report
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Case

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LEAD = Principal.system()
PERIOD = ReportFilter(NOW - timedelta(days=91), NOW + timedelta(days=1))


def timed(fn: Callable[[], object], runs: int = 3) -> float:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def bench(db: Database, n: int, label: str, target: float) -> None:
    with Progress() as progress:
        task = progress.add_task(f"{label}: loading {n:,} cases", total=n)
        load(db, n, NOW, lambda k: progress.advance(task, k))

    def count() -> None:
        with db.transaction(write=False) as session:
            session.scalar(select(func.count()).select_from(Case))

    baseline = timed(count)
    print(f"{label}: baseline COUNT(*) of {n:,} cases: {baseline * 1000:.0f} ms")
    worst = 0.0
    for name in REPORTS:
        took = timed(lambda name=name: run_report(db, LEAD, name, PERIOD, NOW))  # type: ignore[misc]
        worst = max(worst, took)
        print(f"{label}: {name:16s} {took * 1000:7.0f} ms  ({took / baseline:5.1f}x baseline)")
    verdict = "meets" if worst < target else "MISSES"
    print(f"{label}: slowest report {worst * 1000:.0f} ms; {verdict} the target of {target:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'reports.db'}")
        upgrade(db.engine)
        bench(db, args.cases, "sqlite", 3.0)
        db.dispose()
    if args.sqlite_only:
        return
    admin_url = normalise_url(args.db)
    name = f"sopdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        db = Database(url)
        upgrade(db.engine)
        bench(db, args.cases, "postgresql", 1.0)
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
