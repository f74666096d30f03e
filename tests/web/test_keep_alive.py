"""An unexpected error is a 500 problem, and the client's keep-alive connection survives it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    app: FastAPI = create_app(runtime)

    def broken() -> None:
        raise RuntimeError("a bug nobody foresaw")

    app.add_api_route("/test-broken", broken)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)  # waiting for a real server to bind, not for the code under test
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


def test_a_500_keeps_the_connection(server: str) -> None:
    peers: list[object] = []
    with httpx.Client(base_url=server, limits=httpx.Limits(max_connections=1)) as client:

        def remember(response: httpx.Response) -> None:
            peers.append(response.extensions["network_stream"].get_extra_info("client_addr"))

        client.event_hooks["response"] = [remember]
        broken = client.get("/test-broken")
        assert broken.status_code == 500
        assert broken.headers["content-type"] == "application/problem+json"
        assert "a bug nobody foresaw" not in broken.text
        assert broken.headers.get("connection") != "close"
        after = client.get("/healthz")
        assert after.status_code == 200
    assert peers[0] == peers[1], "the second request needed a new connection"
