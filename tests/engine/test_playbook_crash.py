"""Crash safety, proven: 500 runs with timers and e-mails, worker processes SIGKILLed at random
moments (at least 20 kills) and restarted; every timer fires exactly once and every message
reaches a real SMTP server (aiosmtpd on 127.0.0.1) under one Message-ID.

SMTP is not transactional: a kill after the server accepted a mail and before the outbox row is
marked delivered resends it with the same Message-ID. So the sink counts distinct Message-IDs
(exactly the expected set) and the duplicates, which must stay within one per kill.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Playbook
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CasePlan, CreateCase, insert_case
from sopdesk.engine.playbooks import start_run_in
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, PlaybookRun, Timer

RUNS = 500
KILLS = 20
ROOT = Path(__file__).resolve().parents[2]
DRILL = Playbook.model_validate(
    {
        "playbook": "crash-drill",
        "title": "Crash drill",
        "steps": [
            {"id": "hello", "send": {"to": "customer", "macro": "support-request-received"}},
            {
                "id": "pause",
                "wait": {"for": "customer-reply", "timeout": "1 minute"},
                "on_timeout": "bye",
            },
            {"id": "bye", "send": {"to": "customer", "macro": "support-request-received"}},
            {"id": "done", "end": {"outcome": "drilled"}},
        ],
    }
)


class Sink:
    """An SMTP server that records every Message-ID it accepts."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.ids.append(str(message["Message-ID"]))
        return "250 OK"


def _seed(db: Database, desk_dir: Path) -> None:
    """500 cases, each with a drill run whose timer falls due over the next ~25 seconds."""
    desk = load_desk(desk_dir)
    system = Principal.system()
    start = datetime.now(UTC) - timedelta(seconds=60)
    plan = CasePlan(None, None, 1, "test")
    for i in range(RUNS):
        clock = ManualClock(start + timedelta(milliseconds=50 * i))
        command = CreateCase(
            customer_email=f"c{i}@example.com",
            customer_name=f"Casey {i}",
            subject=f"drill {i}",
            body="b",
        )
        with db.transaction() as session:
            case, _ = insert_case(session, clock.now(), desk, system, command, plan)
            start_run_in(session, desk, case, DRILL, clock.now(), system)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.engine.crash_worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _pending(db: Database) -> tuple[int, int]:
    with db.transaction(write=False) as session:
        timers = session.scalar(
            select(func.count()).select_from(Timer).where(Timer.kind == "playbook.timer")
        )
        mails = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status != "delivered")
        )
    return timers or 0, mails or 0


@pytest.mark.slow
def test_kill_9_loses_nothing_and_fires_every_timer_once(db: Database, tmp_path: Path) -> None:
    desk_dir = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk_dir)
    _seed(db, desk_dir)
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "SOPDESK_DESK": str(desk_dir),
        "SOPDESK_DATABASE_URL": db.url,
        "SOPDESK_SECRET_KEY": "crash-test-secret",
        "SOPDESK_SMTP_HOST": "127.0.0.1",
        "SOPDESK_SMTP_PORT": str(port),
        "SOPDESK_WORKER_LEASE_SECONDS": "2",
        "SOPDESK_WORKER_POLL_SECONDS": "0.1",
        "SOPDESK_WORKER_BATCH_SIZE": "10",
        "SOPDESK_WORKER_RETRY_SECONDS": "0.5",
        "SOPDESK_WORKER_MAX_ATTEMPTS": "100",
    }
    count = 1 if db.is_sqlite else 2
    rng = random.Random(4)
    kills = 0
    workers = [_worker(env) for _ in range(count)]
    try:
        while kills < KILLS:
            time.sleep(rng.uniform(0.4, 1.6))
            victim = rng.randrange(count)
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = _worker(env)
        deadline = time.monotonic() + 240
        while _pending(db) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _pending(db) == (0, 0)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        controller.stop()
    with db.transaction(write=False) as session:
        rows = session.scalars(select(PlaybookRun)).all()
        states = [RunState.model_validate(r.state) for r in rows]
        mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "message.out"))
        expected = {m.payload["event_id"] for m in mails}
    assert len(states) == RUNS
    assert all(s.outcome == "drilled" for s in states)
    # Exactly one timeout per run: the timer fired once (a second firing would be refused as
    # stale, but it would not even get there: the delete of its row decides who fires it).
    timeouts = Counter(
        sum(1 for h in s.history if h.what.startswith("no customer-reply")) for s in states
    )
    assert timeouts == Counter({1: RUNS})
    assert len(expected) == 2 * RUNS
    received = Counter(sink.ids)
    assert len(received) == 2 * RUNS, "a message never reached the SMTP server"
    duplicates = sum(n - 1 for n in received.values())
    print(f"\n{kills} kills, {count} worker(s): {2 * RUNS} messages, {duplicates} resent")
    assert duplicates <= kills
