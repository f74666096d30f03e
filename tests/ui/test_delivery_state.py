"""The console shows each outbound message's delivery state: queued, sent, failed with its
reason, dead; a case with an undelivered message says so at the top and in the queue."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.handlers import import_handlers
from sopdesk.runtime import Runtime
from tests.channels.conftest import Sink, smtp_sink
from tests.ui.conftest import csrf_of

__all__ = ["smtp_sink"]


def _reply(agent: TestClient, case_id: int, body: str) -> None:
    page = agent.get(f"/cases/{case_id}").text
    response = agent.post(
        f"/cases/{case_id}/messages",
        data={"kind": "reply", "body": body, "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 303, response.text


def _states(html: str) -> list[str]:
    return re.findall(r'data-delivery="([a-z_]+)"', html)


def _worker(runtime: Runtime, port: int) -> Worker:
    import_handlers()
    settings = runtime.settings.model_copy(update={"smtp_port": port})
    return Worker(WorkContext(runtime.db, runtime.clock, runtime.desk, settings), HANDLERS)


def test_a_reply_shows_queued_then_sent(
    runtime: Runtime,
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
    smtp_sink: tuple[Sink, int],
) -> None:
    sink, port = smtp_sink
    case_id = make_case()
    agent = signed_in("agent")
    _reply(agent, case_id, "A new card is on its way.")
    assert _states(agent.get(f"/cases/{case_id}").text)[-1] == "queued"
    _worker(runtime, port).tick()
    page = agent.get(f"/cases/{case_id}").text
    assert _states(page)[-1] == "sent"
    assert "not delivered" not in page
    assert any(b"A new card is on its way." in content for *_, content in sink.messages)


def test_a_refused_mail_shows_dead_with_the_reason_on_the_case_and_in_the_queue(
    runtime: Runtime,
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
    smtp_sink: tuple[Sink, int],
) -> None:
    sink, port = smtp_sink
    sink.reply = "550 5.1.1 no such user"
    case_id = make_case()
    other = make_case(subject="All good")
    agent = signed_in("agent")
    _reply(agent, case_id, "A new card is on its way.")
    _worker(runtime, port).tick()
    page = agent.get(f"/cases/{case_id}").text
    assert _states(page)[-1] == "dead"
    assert "A message to the customer was not delivered" in page
    assert "550 5.1.1 no such user" in page
    queue = agent.get("/?view=all").text
    assert "message not delivered" in _subject_cell(queue, case_id)
    assert "message not delivered" not in _subject_cell(queue, other)


def _subject_cell(queue: str, case_id: int) -> str:
    found = re.search(rf'<a href="/cases/{case_id}">[^<]*</a>(.*?)</td>', queue)
    assert found, f"case {case_id} is not in the queue"
    return found.group(1)
