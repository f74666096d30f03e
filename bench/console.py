"""Console queue page with 100,000 cases: p50/p95 server time of GET / in process (ASGI).

Cases (two thirds with a running first-response SLA clock, a tenth of those overdue) are
bulk-inserted into a fresh SQLite file; the page is requested through the real app by a
signed-in agent, page after page (keyset cursors), and timed around each request: the default
queue, then the SLA risk filters ("due within the hour", "breached").
"""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from sopdesk.desk import load_desk
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Case, Customer, SlaClockRow
from sopdesk.web.app import create_app

CASES = 100_000
REQUESTS = 200
QUEUES = {
    "due-time order": "/",
    "SLA risk: due within the hour": "/?view=all&risk=soon",
    "SLA risk: breached": "/?view=all&risk=breached",
}
STATUSES = ["new", "open", "waiting_customer", "waiting_partner", "solved"]
PRIORITIES = [("low", 0), ("normal", 1), ("high", 2), ("critical", 3)]


def seed(db: Database, now: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            insert(Customer),
            [
                {"email": f"c{i}@example.com", "name": f"C {i}", "created_at": now}
                for i in range(1000)
            ],
        )
        for start in range(0, CASES, 10_000):
            rows = []
            for i in range(start, start + 10_000):
                priority, rank = PRIORITIES[i % 4]
                rows.append(
                    {
                        "customer_id": 1 + i % 1000,
                        "subject": f"Case {i}",
                        "channel": "email",
                        "category": None,
                        "level": 1 + i % 4,
                        "priority": priority,
                        "priority_rank": rank,
                        "status": STATUSES[i % 5],
                        "tags": [],
                        "language": "en",
                        "desk_version": "bench",
                        "created_at": now,
                        "updated_at": now,
                        # a tenth overdue, the rest due over the next ~3.5 days
                        "due_at": now + timedelta(minutes=i % 5000 - 500) if i % 3 else None,
                    }
                )
            session.execute(insert(Case), rows)
            clocks = [
                {
                    "case_id": i + 1,  # ids follow insertion order in a fresh table
                    "policy": "standard",
                    "metric": "first_response",
                    "calendar": "around-the-clock",
                    "business": False,
                    "target_seconds": 86_400.0,
                    "consumed_seconds": 0.0,
                    "started_at": now,
                    "running_since": now,
                    "due_at": row["due_at"],
                    "warned": False,
                    "breached": False,
                    "token": 1,
                }
                for i, row in enumerate(rows, start=start)
                if row["due_at"] is not None
            ]
            session.execute(insert(SlaClockRow), clocks)


def measure(client: TestClient, first: str) -> list[float]:
    """Times REQUESTS page loads, following "Next page" and starting over at the end."""
    timings: list[float] = []
    url = first
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        found = re.search(r'rel="next" href="([^"]+)"', response.text)
        url = found.group(1).replace("&amp;", "&") if found else first
    return timings


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="sopdesk-bench-console-"))
    try:
        desk = root / "desk"
        shutil.copytree(pack_path("starter"), desk)
        db = Database(f"sqlite:///{root / 'bench.db'}")
        upgrade(db.engine)
        clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        seed(db, clock.now())
        runtime = Runtime(Settings(desk=desk, database_url=db.url), db, load_desk(desk), clock)
        do_create_agent(
            db,
            clock,
            CreateAgent(
                email="bench@example.com",
                name="Bench",
                level=2,
                roles=[Role.AGENT],
                password="bench password",
            ),
        )
        with TestClient(create_app(runtime), follow_redirects=False) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            signed = client.post(
                "/login",
                data={
                    "email": "bench@example.com",
                    "password": "bench password",
                    "csrf_token": token.group(1),
                },
            )
            assert signed.status_code == 303
            results = {name: measure(client, first) for name, first in QUEUES.items()}
        print(f"queue page, {CASES:,} cases, {REQUESTS} requests each (50 rows a page)")
        for name, timings in results.items():
            timings.sort()
            p50 = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"  {name:<30} p50 {p50:5.1f} ms   p95 {p95:5.1f} ms   max {timings[-1]:.1f} ms")
        db.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
