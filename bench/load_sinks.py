"""The real receivers, the desk and the processes of bench/load.py, and its end-of-run checks.

- `MailSink`: an aiosmtpd server on 127.0.0.1 that counts every message by its Message-ID.
- `PostSink`: an HTTP server on 127.0.0.1 that counts chat and webhook posts by their
  Idempotency-Key.
- `Desk`: a throwaway PostgreSQL database, a desk from the starter pack (plus a drill playbook
  with a one-minute timer), `sopdesk serve --no-worker --workers N` and `sopdesk worker`s that a
  supervisor (this bench) SIGKILLs and restarts.
- `check_invariants`: read from the database after the workers drained.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from sopdesk.domain.playbooks.state import RunState
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.models import Case, OutboxMessage, PlaybookRun, Timer

SOPDESK = str(Path(sys.executable).with_name("sopdesk"))
DRILL = """\
# bench/load.py's drill: a mail now, a one-minute timer, a second mail when it fires.
playbook: load-drill
title: Load drill
trigger:
  manual: true
steps:
  - id: hello
    send: {to: customer, macro: support-request-received}
  - id: pause
    wait: {for: customer-reply, timeout: 1 minute}
    on_timeout: bye
  - id: bye
    send: {to: customer, macro: support-request-received}
  - id: done
    end: {outcome: drilled}
"""
EVENT_ID = re.compile(r"\.e(\d+)@")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    """Running, not a zombie the supervisor has not reaped yet (killing that does nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class MailSink:
    """An SMTP server that records the Message-ID of every message it accepts."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.ids[str(message["Message-ID"])] += 1
        return "250 OK"

    def event_ids(self) -> Counter[int]:
        """Receipts per timeline event (outgoing Message-IDs end in `.e<event id>@domain`)."""
        found: Counter[int] = Counter()
        with self.lock:
            for mid, n in self.ids.items():
                match = EVENT_ID.search(mid)
                if match:
                    found[int(match.group(1))] += n
        return found


class PostSink:
    """An HTTP receiver for chat webhooks and event webhooks: counts posts by Idempotency-Key."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.keys[self.headers.get("Idempotency-Key") or ""] += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@dataclass
class Desk:
    """The served desk: database, folder, processes; kills and restarts them as asked."""

    base_url: str
    folder: Path
    mail: MailSink
    posts: PostSink
    web_workers: int = 2
    worker_count: int = 2
    port: int = field(default_factory=free_port)
    db_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    serve: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    token: str = ""
    profile: str | None = None  # cProfile the (then single) web process into this file

    def create(self) -> None:
        admin = create_engine(normalise_url(self.base_url), isolation_level="AUTOCOMMIT")
        name = f"bench_load_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.db_url = (
            make_url(normalise_url(self.base_url)).set(database=name).render_as_string(False)
        )
        desk_dir = self.folder / "desk"
        subprocess.run([SOPDESK, "init", str(desk_dir), "--pack", "starter"], check=True,
                       capture_output=True)  # fmt: skip
        (desk_dir / "playbooks" / "load-drill.yaml").write_text(DRILL)
        post_url = f"http://127.0.0.1:{self.posts.port}"
        self.env = {
            **os.environ,
            "SOPDESK_DESK": str(desk_dir),
            "SOPDESK_DATABASE_URL": self.db_url,
            "SOPDESK_SECRET_KEY": "load-bench-secret",
            "SOPDESK_LOG_LEVEL": "warning",
            "SOPDESK_MAIL_TRANSPORT": "smtp",
            "SOPDESK_SMTP_HOST": "127.0.0.1",
            "SOPDESK_SMTP_PORT": str(self.mail.port),
            "SOPDESK_CHAT_WEBHOOK_URL": f"{post_url}/chat",
            "SOPDESK_WEBHOOK_URLS": f'["{post_url}/webhook"]',
            # The bench's virtual clients come through 127.0.0.1 with their own addresses.
            "SOPDESK_TRUSTED_PROXIES": '["127.0.0.1"]',
            "SOPDESK_WORKER_POLL_SECONDS": "0.2",
            "SOPDESK_WORKER_LEASE_SECONDS": "15",
            "SOPDESK_WORKER_RETRY_SECONDS": "0.5",
            "SOPDESK_WORKER_MAX_ATTEMPTS": "100",
        }
        self.cli("db", "upgrade")
        self.cli("agent", "add", "--email", "load@example.com", "--name", "Load Bench",
                 "--level", "4", "--role", "admin")  # fmt: skip
        self.token = self.cli("token", "create", "--agent", "load@example.com").split()[-1]

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [SOPDESK, *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [SOPDESK, "serve", "--no-worker", "--host", "127.0.0.1", "--port",
                   str(self.port), "--workers", str(self.web_workers)]  # fmt: skip
        if self.profile:
            command = [sys.executable, "-m", "bench.load_profile", self.profile, *command[1:]]
        self.serve = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 90
        while (len(self.web_pids()) < self.web_workers and not self.profile) or not self.healthy():
            if time.monotonic() > deadline or self.serve.poll() is not None:
                raise SystemExit("sopdesk serve did not start")
            time.sleep(0.2)
        self.workers = [self.start_worker() for _ in range(self.worker_count)]

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def start_worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [SOPDESK, "worker"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def web_pids(self) -> list[int]:
        """The web processes uvicorn's supervisor (the serve process) runs and restarts."""
        assert self.serve is not None
        path = Path(f"/proc/{self.serve.pid}/task/{self.serve.pid}/children")
        try:
            pids = [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []
        return [pid for pid in pids if _alive(pid)]

    def kill_worker(self, index: int) -> None:
        """SIGKILL a worker and start a new one, as a supervisor would."""
        self.workers[index].send_signal(signal.SIGKILL)
        self.workers[index].wait()
        self.workers[index] = self.start_worker()

    def kill_web(self, index: int) -> int:
        """SIGKILL a web process; the serve process (uvicorn's supervisor) starts a new one."""
        pids = self.web_pids()
        victim = pids[index % len(pids)]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        if self.serve is not None:
            self.serve.send_signal(signal.SIGTERM)
            try:
                self.serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait()

    def drop(self) -> None:
        if not self.db_url:
            return
        admin = create_engine(normalise_url(self.base_url), isolation_level="AUTOCOMMIT")
        name = make_url(self.db_url).database
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(self.folder / "desk", ignore_errors=True)


# --- the end of the run ----------------------------------------------------------------------


def pending_work(db: Database) -> tuple[int, int, int]:
    """Outbox rows not yet delivered, timers due, drill runs not yet ended."""
    with db.transaction(write=False) as session:
        outbox = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        timers = session.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.kind == "playbook.timer", Timer.due_at <= datetime.now(UTC))
        )
        drills = session.scalar(
            select(func.count())
            .select_from(PlaybookRun)
            .where(PlaybookRun.playbook == "load-drill", PlaybookRun.ended_at.is_(None))
        )
    return outbox or 0, timers or 0, drills or 0


@dataclass
class Verdict:
    lines: list[str] = field(default_factory=list)
    failed: bool = False

    def check(self, ok: bool, what: str) -> None:
        self.lines.append(f"  {'ok  ' if ok else 'FAIL'}  {what}")
        self.failed = self.failed or not ok


def check_invariants(
    db: Database,
    verdict: Verdict,
    run: str,
    markers: dict[str, str],
    mail: MailSink,
    posts: PostSink,
    worker_kills: int,
) -> None:
    """Every accepted intake is one case, every outbox row delivered once, every timer fired."""
    prefix = f"ldk-{run}-"
    with db.transaction(write=False) as session:
        subjects = session.scalars(select(Case.subject).where(Case.subject.like(f"%{prefix}%")))
        found = Counter(m.group(0) for s in subjects if (m := re.search(r"ldk-\w+-\d+", s)))
        rows = session.execute(
            select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.event_id,
                   OutboxMessage.idempotency_key)
        ).all()  # fmt: skip
        runs = session.scalars(select(PlaybookRun).where(PlaybookRun.playbook == "load-drill"))
        states = [RunState.model_validate(r.state) for r in runs]
        overdue = session.scalar(
            select(func.count()).select_from(Timer).where(Timer.due_at <= datetime.now(UTC))
        )
    accepted = [m for m, s in markers.items() if s == "accepted"]
    unknown = [m for m, s in markers.items() if s == "unknown"]
    lost = [m for m in accepted if found[m] == 0]
    doubled = [m for m, n in found.items() if n > 1]
    verdict.check(
        not lost,
        f"every accepted intake is a case: {len(accepted)} accepted, {len(lost)} lost"
        + (f" (e.g. {lost[:3]})" if lost else ""),
    )
    verdict.check(not doubled, f"no intake became two cases: {len(doubled)} doubled")
    verdict.lines.append(
        f"        intakes whose answer a kill cut off: {len(unknown)}, "
        f"{sum(1 for m in unknown if found[m])} of them became a case"
    )
    receipts = mail.event_ids()
    with posts.lock:
        keys = Counter(posts.keys)
    not_delivered = [r for r in rows if r.status != "delivered"]
    missing = duplicates = 0
    for row in rows:
        if row.status != "delivered":
            continue
        n = receipts[row.event_id] if row.kind == "message.out" else keys[row.idempotency_key]
        missing += n == 0
        duplicates += max(0, n - 1)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(r.kind for r in rows).items()))
    verdict.check(
        not not_delivered and not missing,
        f"every outbox row delivered: {len(rows)} rows ({kinds}), {len(not_delivered)} not "
        f"delivered, {missing} marked delivered but never received",
    )
    verdict.check(
        duplicates <= worker_kills,
        f"delivered once: {duplicates} received twice (same Message-ID / Idempotency-Key, so "
        f"the receiver drops them; at most one per worker kill: {worker_kills})",
    )
    fired = Counter(
        sum(1 for h in s.history if h.what.startswith("no customer-reply")) for s in states
    )
    verdict.check(
        fired == Counter({1: len(states)}) and all(s.outcome == "drilled" for s in states),
        f"every timer fired once: {len(states)} drill runs, timeouts per run {dict(fired)}, "
        f"{sum(1 for s in states if s.outcome != 'drilled')} not ended",
    )
    verdict.check(not overdue, f"no timer left overdue: {overdue}")
