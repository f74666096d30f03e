"""The `mailbox` mail transport: the worker keeps replies and chat posts in the demo mailbox,
sends nothing, and logs a chat channel without a webhook once, not once a post."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.engine.mailbox import list_mailbox
from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage
from tests.channels.conftest import Sink
from tests.channels.test_delivery import outbox, worker_for
from tests.channels.test_outgoing import reply_job


def _add_chats(rt: Runtime, channel: str, n: int) -> None:
    with rt.db.transaction() as session:
        for i in range(n):
            session.add(
                OutboxMessage(
                    kind="chat.post",
                    idempotency_key=f"chat:{i}",
                    payload={"channel": channel, "text": f"SLA breached on case {i}\nmore"},
                    status="pending",
                    attempts=0,
                    next_attempt_at=rt.clock.now(),
                    created_at=rt.clock.now(),
                )
            )


def test_a_reply_goes_to_the_mailbox_and_not_to_smtp(
    receiver: MailReceiver, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    rt = receiver.runtime
    case_id, _ = reply_job(receiver)
    worker = worker_for(rt, mail_transport="mailbox", smtp_port=port)
    result = worker.tick()
    assert len(result.done) == 1 and not result.dead
    assert sink.messages == []  # the SMTP server that was there got nothing
    [kept] = list_mailbox(rt.db)
    assert (kept.kind, kept.case_id, kept.recipient) == ("email", case_id, "ann@example.com")
    assert "We ship a new card today." in kept.body and "Message-ID" in kept.source
    assert outbox(rt, "message.out")[0].status == "delivered"


def test_chat_posts_go_to_the_mailbox_once_each(mail_runtime: Runtime) -> None:
    _add_chats(mail_runtime, "#nowhere", 3)
    worker_for(mail_runtime, mail_transport="mailbox").tick()
    kept = list_mailbox(mail_runtime.db, kind="chat")
    assert sorted(m.subject for m in kept) == [f"SLA breached on case {i}" for i in range(3)]
    assert {m.recipient for m in kept} == {"#nowhere"}
    assert {r.status for r in outbox(mail_runtime, "chat.post")} == {"delivered"}


def test_without_a_webhook_chat_posts_are_not_sent_and_logged_once(
    mail_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    _add_chats(mail_runtime, "#nowhere", 5)
    with caplog.at_level(logging.INFO, logger="sopdesk"):
        worker_for(mail_runtime).tick()
    rows = outbox(mail_runtime, "chat.post")
    assert {r.status for r in rows} == {"dead"}
    assert all((r.last_error or "").startswith("ChatError: not sent") for r in rows)
    said = [r for r in caplog.records if "not sent" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with mail_runtime.db.transaction(write=False) as session:
        assert session.scalars(select(OutboxMessage.id)).all()
