"""ASGI guards at the edge of the web app: requests carrying NUL characters are refused, and an
unexpected error is answered as a problem response that keeps the connection open.

Both are pure ASGI middleware, so they see every route: the API, the console and the static files.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("sopdesk.web")
PROBLEM = b"application/problem+json"


def problem_body(status: int, title: str, detail: str, instance: str) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps({**body, "instance": instance}).encode()


async def send_problem(send: Send, status: int, payload: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_has_nul(body: bytes) -> bool:
    """Whether a JSON document has a NUL in any string (cheap test first: NUL must be escaped)."""
    if b"\\u0000" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the route's own validation answers that


class RefuseNul:
    """Refuses (422) a request with a NUL character in its path, query string or JSON body.

    No text sopdesk keeps may hold NUL: PostgreSQL refuses it, and mail cannot carry it. Console
    forms are checked where they are read (`sopdesk.web.csrf.csrf_form`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if "\x00" in path or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await self._refuse(send, path, "the address")
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if content_type and b"json" not in content_type:  # FastAPI reads no type as JSON
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message["type"] == "http.request" and message.get("more_body", False)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if json_has_nul(body):
            await self._refuse(send, path, "the request body")
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, path: str, where: str) -> None:
        detail = f"{where} has a NUL character (\\u0000); text may not contain one"
        await send_problem(send, 422, problem_body(422, "Invalid input", detail, path))


class AnswerUnexpected:
    """Answers an unexpected error with a 500 problem and keeps the keep-alive connection.

    Starlette's own last-resort handler re-raises after answering, and uvicorn then closes the
    connection, so the client's next request on it would fail. The traceback goes to the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            path = scope.get("path", "")
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if started:
                raise  # half a response is out: only closing the connection can end it
            detail = (
                "sopdesk hit an unexpected error; nothing was changed. The log has the details."
            )
            await send_problem(send, 500, problem_body(500, "Internal error", detail, path))
