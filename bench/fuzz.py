"""API fuzzing, longer than the bounded run in `make test`: schemathesis generates EXAMPLES
requests per operation of the app's OpenAPI document (random, not the fixed seed of the test),
each sent with an admin's token and a level-1 agent's, against the app in this process.

Prints the operations, the requests, the answers by status, the requests per second and every
failure (a 500, or an answer that breaks its declared schema or content type). The target is
zero failures; the rate is next to the bounded test's own (`--examples 3`) measured in this run.

    python -m bench.fuzz [--examples 50] [--db postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sopdesk.desk import load_desk
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import SystemClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade
from sopdesk.web.app import create_app
from tests.web.fuzzing import FuzzReport, fuzz_api


def _database(folder: Path, admin_url: str | None) -> tuple[str, str | None]:
    """A fresh migrated database: SQLite in the folder, or a new PostgreSQL database."""
    if admin_url is None:
        return f"sqlite:///{folder / 'fuzz.db'}", None
    name = f"sopdesk_fuzz_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(normalise_url(admin_url)).set(database=name)
    return url.render_as_string(hide_password=False), name


def _run(folder: Path, url: str, examples: int, derandomize: bool) -> tuple[FuzzReport, float]:
    desk = folder / "desk"
    if not desk.exists():
        shutil.copytree(pack_path("starter"), desk)
    db = Database(url)
    upgrade(db.engine)
    clock = SystemClock()
    runtime = Runtime(
        settings=Settings(desk=desk, database_url=url), db=db, desk=load_desk(desk), clock=clock
    )
    tokens = []
    for name, level, roles in (("admin", 4, [Role.ADMIN]), ("agent", 1, [Role.AGENT])):
        email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
        agent = do_create_agent(
            db, clock, CreateAgent(email=email, name=name, level=level, roles=roles)
        )
        tokens.append(do_create_token(db, clock, agent.id, "fuzz").token)
    app = create_app(runtime)
    started = time.perf_counter()
    with TestClient(app):
        report = fuzz_api(app, tokens, examples, derandomize=derandomize)
    elapsed = time.perf_counter() - started
    db.dispose()
    return report, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50, help="examples per operation")
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, created = _database(folder, args.db)
        try:
            baseline, base_s = _run(folder, url, 3, True)
            report, run_s = _run(folder, url, args.examples, False)
        finally:
            if created and args.db:
                admin = create_engine(normalise_url(args.db), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)'))
                admin.dispose()
    base_rate = baseline.requests / base_s
    rate = report.requests / run_s
    print(f"database: {'postgresql' if args.db else 'sqlite'}")
    print(
        f"baseline (the test's bounded run, 3 examples): {baseline.requests} requests, "
        f"{base_rate:.0f} req/s, failures {len(baseline.failures)}"
    )
    print(
        f"fuzz ({args.examples} examples): {report.operations} operations, "
        f"{report.requests} requests in {run_s:.1f} s, {rate:.0f} req/s "
        f"({rate / base_rate:.2f}x the baseline rate)"
    )
    print(
        "answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items()))
    )
    print(f"failures: {len(report.failures)} (500s: {report.statuses.get(500, 0)})")
    for failure in report.failures[:50]:
        print("  " + failure)


if __name__ == "__main__":
    main()
