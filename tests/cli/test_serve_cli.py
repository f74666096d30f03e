"""`sopdesk serve` and `sopdesk worker` as real processes: they answer, then stop on SIGTERM.

A clean stop is exit code 0; a missing desk is one red line and exit code 1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sopdesk.packs import pack_path

SOPDESK = str(Path(sys.executable).with_name("sopdesk"))


@pytest.fixture
def desk_dir(tmp_path: Path) -> Path:
    target = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(*args: str, db_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SOPDESK_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [SOPDESK, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def healthz(server: subprocess.Popen[str], port: int) -> httpx.Response:
    """/healthz of a starting `sopdesk serve`, once it answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.communicate()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "sopdesk serve did not answer in 60 s"
            time.sleep(0.1)


def web_processes(pid: int) -> list[int]:
    """The uvicorn web processes a `sopdesk serve` started (Linux: read from /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_serve_answers_healthz_then_stops_cleanly_on_sigterm(db_url, desk_dir) -> None:
    port = free_port()
    server = start("serve", "--desk", str(desk_dir), "--port", str(port), db_url=db_url)
    try:
        answer = healthz(server, port)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
    finally:
        code, out, err = stop(server)
    assert code == 0, err
    assert "worker: embedded" in out
    assert out.rstrip().endswith("sopdesk stopped")
    assert "Traceback" not in err


def test_serve_with_two_web_processes_answers_then_stops_them_all_on_sigterm(
    db_url, desk_dir
) -> None:
    port = free_port()
    args = ("serve", "--desk", str(desk_dir), "--port", str(port), "--workers", "2")
    server = start(*args, db_url=db_url)
    processes: list[int] = []
    try:
        answer = healthz(server, port)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
        # The first web process can answer before the second has started (a busy machine):
        # wait for both, 60 s at most.
        deadline = time.monotonic() + 60
        processes = web_processes(server.pid)
        while len(processes) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            processes = web_processes(server.pid)
        assert len(processes) == 2
    finally:
        code, out, err = stop(server)
    assert code == 0, err
    assert "worker: embedded, 2 web processes" in out
    assert out.rstrip().endswith("sopdesk stopped")
    assert "Traceback" not in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in processes)


def test_worker_runs_until_sigterm_and_exits_zero(db_url, desk_dir) -> None:
    worker = start("worker", "--desk", str(desk_dir), db_url=db_url)
    try:
        deadline = time.monotonic() + 60
        assert worker.stdout is not None
        line = worker.stdout.readline()
        assert time.monotonic() < deadline
        assert line.startswith("sopdesk worker running on")
    finally:
        code, out, err = stop(worker)
    assert code == 0, err
    assert out.rstrip().endswith("sopdesk worker stopped")
    assert "Traceback" not in err


def test_serve_without_a_desk_is_one_red_line(sopdesk, tmp_path) -> None:
    result = sopdesk("serve", "--desk", str(tmp_path / "nowhere"), "--no-worker")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: desk folder {tmp_path / 'nowhere'} does not exist")


def test_an_invalid_flag_value_is_a_friendly_error(sopdesk, desk_dir, monkeypatch) -> None:
    monkeypatch.setenv("SOPDESK_LOG_LEVEL", "chatty")
    result = sopdesk("serve", "--desk", str(desk_dir))
    assert result.exit_code == 1
    assert "invalid settings: log_level: Value error, log_level must be one of" in result.stderr
