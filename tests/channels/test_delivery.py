"""The worker's channel handlers against real servers on 127.0.0.1: e-mail to an aiosmtpd sink
(with a customer link), chat and webhook posts to an HTTP receiver that verifies the HMAC."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.webhooks import SIGNATURE_HEADER, verify
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import AddMessage, do_add_message
from sopdesk.engine.subscriptions import enable_publishing
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.handlers import import_handlers
from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage
from tests.channels.conftest import Sink
from tests.channels.test_outgoing import CORPUS, reply_job

WEBHOOK_SECRET = "w" * 32


class Received:
    """What the HTTP receiver got: (path, headers, body, signature valid)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes, bool]] = []
        self.status = 200


@pytest.fixture
def http_receiver() -> Iterator[tuple[Received, str]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get(SIGNATURE_HEADER, "")
            ok = bool(header) and verify(WEBHOOK_SECRET, header, body, int(header[2:12]))
            received.posts.append((self.path, dict(self.headers), body, ok))
            self.send_response(received.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def worker_for(rt: Runtime, **settings: Any) -> Worker:
    import_handlers()
    configured = rt.settings.model_copy(update=settings)
    return Worker(WorkContext(rt.db, rt.clock, rt.desk, configured), HANDLERS)


def outbox(rt: Runtime, kind: str) -> list[OutboxMessage]:
    with rt.db.transaction(write=False) as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_the_worker_sends_a_reply_with_a_customer_link(
    receiver: MailReceiver, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    rt = receiver.runtime
    reply_job(receiver)
    worker = worker_for(rt, smtp_port=port, public_url="https://help.example")
    worker.tick()
    [row] = outbox(rt, "message.out")
    assert row.status == "delivered", row.last_error
    [(_, rcpt, content)] = sink.messages
    assert rcpt == ["ann@example.com"]
    assert b"https://help.example/my/case/" in content


def test_a_permanent_smtp_refusal_is_dead_at_once(
    receiver: MailReceiver, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    sink.reply = "550 5.1.1 no such user"
    rt = receiver.runtime
    reply_job(receiver)
    worker_for(rt, smtp_port=port).tick()
    [row] = outbox(rt, "message.out")
    assert (row.status, row.attempts) == ("dead", 1)
    assert "550" in (row.last_error or "")


def _add_chat(rt: Runtime, channel: str) -> None:
    with rt.db.transaction() as session:
        session.add(
            OutboxMessage(
                kind="chat.post",
                idempotency_key="chat:1",
                payload={"channel": channel, "text": "SLA breached on case 7"},
                status="pending",
                attempts=0,
                next_attempt_at=rt.clock.now(),
                created_at=rt.clock.now(),
            )
        )


def test_chat_posts_reach_the_incoming_webhook(
    mail_runtime: Runtime, http_receiver: tuple[Received, str]
) -> None:
    received, url = http_receiver
    _add_chat(mail_runtime, "#cs-handling")
    worker = worker_for(mail_runtime, chat_webhook_url=f"{url}/slack")
    received.status = 503  # the first try fails; the retry carries the same key
    worker.tick()
    assert outbox(mail_runtime, "chat.post")[0].status == "pending"
    received.status = 200
    mail_runtime.clock.advance(worker.policy.backoff(1) * 2)  # type: ignore[attr-defined]
    worker.tick()
    assert [p[0] for p in received.posts] == ["/slack", "/slack"]
    assert [p[1]["Idempotency-Key"] for p in received.posts] == ["chat:1", "chat:1"]
    assert json.loads(received.posts[-1][2])["text"] == "SLA breached on case 7"
    assert outbox(mail_runtime, "chat.post")[0].status == "delivered"


def test_a_chat_channel_without_a_url_is_dead_with_a_reason(mail_runtime: Runtime) -> None:
    _add_chat(mail_runtime, "#nowhere")
    worker_for(mail_runtime).tick()
    [row] = outbox(mail_runtime, "chat.post")
    assert row.status == "dead" and "chat_webhooks" in (row.last_error or "")


def test_case_events_reach_subscribers_signed(
    receiver: MailReceiver, http_receiver: tuple[Received, str], clock: ManualClock
) -> None:
    received, url = http_receiver
    rt = receiver.runtime
    enable_publishing(rt.db)
    case_id = receiver.receive((CORPUS / "01-gmail-plain.eml").read_bytes()).case_id or 0
    reply = AddMessage(kind="reply", body="We ship a new card today.", channel="email")
    do_add_message(rt.db, rt.clock, Principal.system(), case_id, reply, rt.desk)
    worker = worker_for(rt, webhook_urls=[f"{url}/hook"], webhook_secret=WEBHOOK_SECRET)
    received.status = 503
    worker.tick()
    assert {r.status for r in outbox(rt, "webhook.post")} == {"pending"}
    received.status = 200
    clock.advance(worker.policy.backoff(1) * 2)
    worker.tick()
    assert {r.status for r in outbox(rt, "webhook.post")} == {"delivered"}
    delivered = [p for p in received.posts if p[0] == "/hook"]
    assert delivered and all(ok for *_, ok in delivered)
    events = {json.loads(body)["event"] for _, _, body, _ in delivered}
    assert {"case.created", "case.message_added"} <= events
    keys = [headers["Idempotency-Key"] for _, headers, _, _ in delivered]
    assert len(set(keys)) == len(outbox(rt, "webhook.post"))  # the same key on each retry
    assert all(json.loads(b)["case_id"] == case_id for _, _, b, _ in delivered)
