"""The widget's live stream (GET /api/v1/bot/conversations/{token}/events): Server-Sent Events
of the conversation, read from the database, so a change made by any process shows."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from sopdesk.engine.bot_conversations import read_conversation
from sopdesk.runtime import Runtime
from sopdesk.web.api.bot import _stream
from tests.web.test_bot_handoff import chat, chat_runtime, start  # noqa: F401


def _data(chunk: str) -> dict:
    lines = [line for line in chunk.splitlines() if line.startswith("data: ")]
    assert lines, chunk
    return dict(json.loads(lines[0].removeprefix("data: ")))


def test_an_unknown_conversation_is_a_404_problem_not_a_stream(chat: TestClient) -> None:  # noqa: F811
    response = chat.get("/api/v1/bot/conversations/no-such-token/events")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_stream_sends_the_conversation_then_each_change(
    chat: TestClient,  # noqa: F811
    chat_runtime: Runtime,  # noqa: F811
) -> None:
    token = start(chat)
    first = read_conversation(chat_runtime.db, chat_runtime.clock, token)

    async def run() -> tuple[str, str]:
        stream = _stream(chat_runtime, token, first)
        opening = await anext(stream)
        # Another request (in any web process) hands the conversation off meanwhile.
        response = await asyncio.to_thread(
            chat.post, f"/api/v1/bot/conversations/{token}/handoff", json={}
        )
        assert response.status_code == 200, response.text
        changed = await anext(stream)
        await stream.aclose()
        return opening, changed

    # In its own thread and loop: a Playwright test earlier in the same session leaves an event
    # loop running in the main thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(1) as apart:
        opening, changed = apart.submit(asyncio.run, run()).result()
    assert opening.startswith("retry: ")
    assert "event: conversation" in opening
    assert _data(opening)["state"] == "bot"
    assert _data(changed)["state"] == "handed_off"
    assert _data(changed)["case_id"] is not None
