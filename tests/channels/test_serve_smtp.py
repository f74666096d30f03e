"""`sopdesk serve --smtp-port N` as a real process: a mail sent with smtplib becomes a case the
API shows, and SIGTERM stops the server and its listener with exit code 0."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import httpx

from sopdesk.domain.cases import Role
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.store.db import Database
from tests.channels.conftest import free_port
from tests.web.conftest import desk_dir  # noqa: F401

SOPDESK = str(Path(sys.executable).with_name("sopdesk"))


def _wait_for(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.communicate()
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "sopdesk serve did not answer in 60 s"
            time.sleep(0.1)


def test_a_mail_sent_to_the_listener_is_a_case_in_the_api(
    db: Database,
    desk_dir: Path,  # noqa: F811
    clock: ManualClock,
) -> None:
    admin = do_create_agent(
        db, clock, CreateAgent(email="ops@example.com", name="Ops", level=4, roles=[Role.ADMIN])
    )
    token = do_create_token(db, clock, admin.id, "test").token
    web, smtp = free_port(), free_port()
    env = {**os.environ, "SOPDESK_DATABASE_URL": db.url, "PYTHONUNBUFFERED": "1"}
    args = ["serve", "--desk", str(desk_dir), "--port", str(web), "--smtp-port", str(smtp)]
    server = subprocess.Popen(
        [SOPDESK, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(server, web)
        mail = EmailMessage()
        mail["From"] = "Dana <dana@example.com>"
        mail["To"] = "support@desk.example"
        mail["Subject"] = "My parcel never arrived"
        mail["Message-ID"] = "<serve-e2e@example.com>"
        mail.set_content("Order 4711 shows delivered, but nothing came.")
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
            refused = client.sendmail("dana@example.com", ["support@desk.example"], mail.as_bytes())
        assert refused == {}
        headers = {"Authorization": f"Bearer {token}"}
        cases = httpx.get(f"http://127.0.0.1:{web}/api/v1/cases", headers=headers, timeout=10)
        assert cases.status_code == 200, cases.text
        body = cases.json()
        items = body["items"] if isinstance(body, dict) else body
        [case] = [c for c in items if c["subject"] == "My parcel never arrived"]
        assert case["channel"] == "email"
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in err
    assert out.rstrip().endswith("sopdesk stopped")
