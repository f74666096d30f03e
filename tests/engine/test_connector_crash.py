"""A crash between a connector call and its answer never acts twice: a worker process is
SIGKILLed while the real receiver (127.0.0.1) has acted and holds its answer; the next worker
repeats the call under the same Idempotency-Key, the receiver answers it without acting again,
and the answer is applied to the run and the order once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sopdesk.desk import load_desk
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import ManualClock
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import ConnectorCall
from tests.engine.connector_receiver import SECRET, running_shop
from tests.engine.test_connectors import order, playbook, run_of, start, timeline

ROOT = Path(__file__).resolve().parents[2]


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.engine.crash_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _call_status(db: Database) -> str:
    with db.transaction(write=False) as session:
        return session.scalars(select(ConnectorCall)).one().status


@pytest.mark.slow
def test_a_worker_killed_between_call_and_answer_does_not_act_twice(
    db: Database, tmp_path: Path
) -> None:
    with running_shop() as (shop, url):
        desk_dir = tmp_path / "desk"
        shutil.copytree(pack_path("starter"), desk_dir)
        with (desk_dir / "desk.yaml").open("a", encoding="utf-8") as f:
            f.write(
                f"\nconnectors:\n  shop:\n    url: {url}\n    secret_env: SHOP_KEY\n"
                "    timeout_seconds: 60\n"
            )
        desk = load_desk(desk_dir)
        clock = ManualClock(datetime.now(UTC) - timedelta(seconds=5))
        run_id = start(db, clock, desk, playbook("shop.cancel"), "pending")
        env = {
            **os.environ,
            "SHOP_KEY": SECRET,
            "SOPDESK_DESK": str(desk_dir),
            "SOPDESK_DATABASE_URL": db.url,
            "SOPDESK_SECRET_KEY": "crash-test-secret",
            "SOPDESK_WORKER_LEASE_SECONDS": "2",
            "SOPDESK_WORKER_POLL_SECONDS": "0.1",
            "SOPDESK_WORKER_RETRY_SECONDS": "0.5",
        }
        shop.mode = "hold"
        first = _worker(env)
        try:
            assert shop.received.wait(60), "the worker never called the receiver"
            first.send_signal(signal.SIGKILL)
            first.wait()
        finally:
            first.kill()
        assert len(shop.acted) == 1  # it acted, and the caller died before hearing so
        assert _call_status(db) == "pending"
        assert run_of(db, run_id).outcome is None
        shop.mode = "ok"
        second = _worker(env)
        try:
            deadline = time.monotonic() + 60
            while _call_status(db) == "pending" and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGKILL)
            second.wait()
    keys = [r["key"] for r in shop.requests]
    assert len(keys) == 2 and len(set(keys)) == 1, keys
    assert len(shop.acted) == 1
    assert run_of(db, run_id).outcome == "done"
    assert order(db).status == "cancelled"
    assert len(timeline(db, EventKind.CONNECTOR_ANSWER)) == 1
