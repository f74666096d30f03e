"""A real HTTP receiver on 127.0.0.1 for connector tests: it checks the HMAC signature, acts
once per Idempotency-Key (a repeat gets the answer it got the first time), and can refuse,
answer slowly, or hold its answer until released (the crash test kills the caller meanwhile).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "connector-test-key-0123456789"


class Shop:
    """What the receiver got and did; `mode` says how it answers: ok, refuse, slow, hold."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.slow_seconds = 2.0
        self.requests: list[dict[str, Any]] = []  # {key, valid, body}
        self.acted: list[str] = []  # idempotency keys it acted on, once each
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.received = threading.Event()  # set when a request arrives
        self.release = threading.Event()  # a held answer goes out when this is set

    def answer(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        key = headers.get("Idempotency-Key", "")
        timestamp = headers.get("X-Sopdesk-Timestamp", "")
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        valid = hmac.compare_digest(
            "sha256=" + expected.hexdigest(), headers.get("X-Sopdesk-Signature", "")
        )
        with self.lock:
            self.requests.append({"key": key, "valid": valid, "body": json.loads(body)})
            seen = self.answers.get(key)
        self.received.set()
        if not valid:
            return 401, {"reason": "bad signature"}
        if seen is not None:
            return seen
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        if self.mode == "refuse":
            answer: tuple[int, dict[str, Any]] = (409, {"reason": "the parcel has left"})
        else:
            answer = (
                200,
                {
                    "outcome": "ok",
                    "data": {"refund_id": "RF-77"},
                    "order": {"status": "cancelled", "refund_ref": "RF-77"},
                },
            )
        with self.lock:
            self.acted.append(key)
            self.answers[key] = answer
        if self.mode == "hold":
            self.release.wait(30)
        return answer


@contextmanager
def running_shop() -> Iterator[tuple[Shop, str]]:
    shop = Shop()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, data = shop.answer(self.headers, body)
            out = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except OSError:
                pass  # the caller died while we held the answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shop, f"http://127.0.0.1:{server.server_address[1]}/sopdesk"
    finally:
        shop.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """A Python entry point connector (`tests.engine.connector_receiver:handle`)."""
    if request["action"] == "explode":
        raise RuntimeError("the plugin broke")
    return {"outcome": "ok", "data": {"echo": request["arguments"].get("note", "")}}
