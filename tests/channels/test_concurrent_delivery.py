"""Two deliveries of one mail at the same moment (an MTA retrying while the first is still
being handled) make exactly one case and one message, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.engine.intake import IntakeResult
from sopdesk.store.models import Case, CaseEvent, EmailMessage
from tests.channels.test_intake import count, mail

ROUNDS = 5


def _race(receiver: MailReceiver, raw: bytes) -> list[IntakeResult]:
    start = threading.Barrier(2)

    def deliver() -> IntakeResult:
        start.wait()
        return receiver.receive(raw)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [f.result() for f in [pool.submit(deliver), pool.submit(deliver)]]


def test_concurrent_new_mails_with_one_message_id_make_one_case(receiver: MailReceiver) -> None:
    for n in range(ROUNDS):
        results = _race(receiver, mail(mid=f"race-{n}@example.com", subject=f"Parcel {n} lost"))
        assert sorted(r.outcome for r in results) == ["created", "duplicate"]
        assert results[0].case_id == results[1].case_id
    assert count(receiver, Case) == ROUNDS
    assert count(receiver, EmailMessage) == ROUNDS


def test_concurrent_replies_with_one_message_id_add_one_message(receiver: MailReceiver) -> None:
    case_id = receiver.receive(mail()).case_id
    for n in range(ROUNDS):
        reply = mail(mid=f"reply-{n}@example.com", References="<m1@example.com>")
        results = _race(receiver, reply)
        assert sorted(r.outcome for r in results) == ["appended", "duplicate"]
        assert {r.case_id for r in results} == {case_id}
    assert count(receiver, Case) == 1
    assert count(receiver, EmailMessage) == 1 + ROUNDS
    with receiver.runtime.db.transaction(write=False) as session:
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id))
        assert list(kinds).count("message_in") == 1 + ROUNDS
