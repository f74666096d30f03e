"""Outgoing mail through the worker to a real aiosmtpd server, and the reply coming back."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.outgoing import (
    EmailSender,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import AddMessage, do_add_message
from sopdesk.engine.worker import HandlerRegistry, Job, WorkContext, Worker
from sopdesk.store.blobs import BlobStore
from sopdesk.store.models import OutboxMessage
from tests.channels.conftest import CORPUS, Sink, free_port


def sender_for(receiver: MailReceiver, port: int) -> EmailSender:
    settings = MailSettings(
        mail_from="support@desk.example", smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5
    )
    return EmailSender(settings, receiver.secret, BlobStore(receiver.blobs.root))


def reply_job(receiver: MailReceiver) -> tuple[int, Job]:
    rt = receiver.runtime
    case_id = receiver.receive((CORPUS / "01-gmail-plain.eml").read_bytes()).case_id or 0
    body = AddMessage(kind="reply", body="Sorry!\n\nWe ship a new card today.", channel="email")
    event = do_add_message(rt.db, rt.clock, Principal.system(), case_id, body, rt.desk)
    with rt.db.transaction(write=False) as session:
        row = session.scalars(select(OutboxMessage)).one()
        job = Job("outbox", row.id, row.kind, case_id, row.payload, 1, row.idempotency_key)
    assert job.payload["event_id"] == event["id"]
    return case_id, job


def test_reply_is_sent_threaded_and_its_answer_comes_back(
    receiver: MailReceiver, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    rt = receiver.runtime
    case_id, _ = reply_job(receiver)
    registry = HandlerRegistry()
    sender_for(receiver, port).register(registry)
    result = Worker(WorkContext(rt.db, rt.clock, rt.desk), registry).tick()
    assert len(result.done) == 1
    (mail_from, rcpt, raw) = sink.messages[0]
    assert (mail_from, rcpt) == ("support@desk.example", ["ann@example.com"])
    sent = message_from_bytes(raw, policy=default)
    assert sent["In-Reply-To"] == "<CAF=abc123@mail.gmail.com>"
    assert sent["Subject"] == f"Re: Card missing from my order #A1001 [#{case_id}]"
    assert f"+c{case_id}-" in sent["Reply-To"] and sent["X-Sopdesk-Case"].startswith(f"c{case_id}-")
    assert (
        sent.get_body(("html",)) is not None and "ship a new card" in sent.get_body().get_content()
    )
    # The customer's client drops In-Reply-To and the subject; the reply address still threads.
    answer = (
        f"From: ann@example.com\r\nTo: {sent['Reply-To']}\r\nSubject: thanks\r\n"
        "Message-ID: <ann-2@example.com>\r\n\r\nGreat, thank you!\r\n"
    ).encode()
    assert receiver.receive(answer).case_id == case_id
    # Only the References header survives: still the same case.
    other = (
        "From: ann@example.com\r\nTo: support@desk.example\r\nSubject: new words\r\n"
        f"Message-ID: <ann-3@example.com>\r\nReferences: {sent['Message-ID']}\r\n\r\nhi\r\n"
    ).encode()
    assert receiver.receive(other).case_id == case_id


def test_5xx_is_permanent_and_4xx_or_no_server_is_temporary(
    receiver: MailReceiver, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    rt = receiver.runtime
    _, job = reply_job(receiver)
    ctx = WorkContext(rt.db, rt.clock, rt.desk)
    sink.reply = "554 5.7.1 rejected as spam"
    with pytest.raises(PermanentDeliveryError, match="554"):
        sender_for(receiver, port)(job, ctx)
    sink.reply = "451 4.7.1 greylisted"
    with pytest.raises(TemporaryDeliveryError, match="451"):
        sender_for(receiver, port)(job, ctx)
    with pytest.raises(TemporaryDeliveryError, match="could not reach"):
        sender_for(receiver, free_port())(job, ctx)
    assert sink.messages == []
