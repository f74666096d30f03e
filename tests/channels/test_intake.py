"""Intake against SQLite and PostgreSQL: new cases, replies that thread, loops that don't."""

from __future__ import annotations

import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.desk import load_desk
from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.mail_threading import make_reply_token
from sopdesk.errors import InvalidInput, PayloadTooLarge
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.models import (
    Attachment,
    Case,
    CaseEvent,
    CustomerIdentity,
    OutboxMessage,
    SlaClockRow,
)


def mail(
    sender: str = "ann@example.com",
    subject: str = "Card missing from my order",
    body: str = "The Charizard card was not in the box.",
    mid: str = "m1@example.com",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Ann <{sender}>"
    msg["To"] = headers.pop("to", "support@desk.example")
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{mid}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def events(receiver: MailReceiver, case_id: int) -> list[CaseEvent]:
    with receiver.runtime.db.transaction(write=False) as session:
        return list(
            session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by("id"))
        )


def count(receiver: MailReceiver, model: type) -> int:
    with receiver.runtime.db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_new_mail_creates_a_case_with_original_and_files(receiver: MailReceiver) -> None:
    result = receiver.receive(mail())
    assert result.outcome == "created"
    first = next(e for e in events(receiver, result.case_id or 0) if e.kind == "message_in")
    assert first.data["message_id"] == "m1@example.com"
    assert first.channel == "email"
    with receiver.runtime.db.transaction(write=False) as session:
        case = session.get(Case, result.case_id)
        assert case is not None and case.subject == "Card missing from my order"
        (original,) = session.scalars(select(Attachment))
    assert original.filename == "original.eml" and original.event_id == first.id


def test_the_same_mail_delivered_twice_is_a_duplicate(receiver: MailReceiver) -> None:
    receiver.receive(mail())
    events = count(receiver, CaseEvent)
    # A second route adds its own trace headers; Message-ID, sender and content are the same.
    again = receiver.receive(mail(Received="from relay2.example by mx.desk.example"))
    assert again.outcome == "duplicate"
    assert count(receiver, Case) == 1 and count(receiver, CaseEvent) == events


def test_another_sender_reusing_a_message_id_is_a_new_message(receiver: MailReceiver) -> None:
    first = receiver.receive(mail())
    other = receiver.receive(
        mail(
            sender="mallory@example.net", subject="Refund now", body="Pay me", mid="m1@example.com"
        )
    )
    assert other.outcome == "created" and other.case_id != first.case_id
    assert count(receiver, Case) == 2


def test_one_sender_reusing_a_message_id_for_new_text_is_a_new_message(
    receiver: MailReceiver,
) -> None:
    first = receiver.receive(mail())
    again = receiver.receive(mail(body="Still nothing, a week later."))
    assert again.outcome == "appended" and again.case_id == first.case_id


def test_reply_with_the_token_from_another_address_lands_on_the_case(
    receiver: MailReceiver,
) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    token = make_reply_token(case_id, receiver.secret)
    reply = mail(
        sender="ann.work@example.org",
        subject="totally different subject",
        mid="m2@example.org",
        to=f"support+{token}@desk.example",
    )
    result = receiver.receive(reply)
    assert (result.outcome, result.case_id) == ("appended", case_id)


def test_client_that_drops_in_reply_to_but_keeps_the_tag(receiver: MailReceiver) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    reply = mail(subject=f"Re: Card missing from my order [#{case_id}]", mid="m2@example.com")
    assert receiver.receive(reply).case_id == case_id


def test_changed_subject_threads_through_references(receiver: MailReceiver) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    reply = mail(subject="new words", mid="m2@example.com", References="<m1@example.com>")
    result = receiver.receive(reply)
    assert (result.outcome, result.case_id) == ("appended", case_id)


def test_other_address_of_the_same_customer_threads_by_subject(receiver: MailReceiver) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    with receiver.runtime.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.add(
            CustomerIdentity(
                customer_id=case.customer_id,
                kind=IdentityKind.EMAIL.value,
                value="ann.work@example.org",
                normalized="ann.work@example.org",
                created_at=case.created_at,
            )
        )
    reply = mail(sender="ann.work@example.org", subject="RE: card missing from my order", mid="x")
    assert receiver.receive(reply).case_id == case_id
    stranger = mail(sender="bob@example.net", subject="Card missing from my order", mid="y")
    assert receiver.receive(stranger).outcome == "created"


def test_auto_reply_never_reopens_and_unthreaded_ones_are_dropped(
    receiver: MailReceiver,
) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    with receiver.runtime.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.status = "waiting_customer"
    token = make_reply_token(case_id, receiver.secret)
    ooo = mail(
        subject="Out of office",
        mid="ooo@example.com",
        to=f"support+{token}@desk.example",
        Auto_Submitted="auto-replied",
    )
    result = receiver.receive(ooo)
    assert result.outcome == "appended"
    with receiver.runtime.db.transaction(write=False) as session:
        assert session.get(Case, case_id).status == "waiting_customer"  # type: ignore[union-attr]
    stray = mail(subject="Out of office", mid="ooo2@example.com", Auto_Submitted="auto-replied")
    assert receiver.receive(stray).outcome == "ignored"
    human = mail(subject="Re: x", mid="h@example.com", to=f"support+{token}@desk.example")
    receiver.receive(human)
    with receiver.runtime.db.transaction(write=False) as session:
        assert session.get(Case, case_id).status == "open"  # type: ignore[union-attr]


def test_mail_to_a_closed_case_opens_a_follow_up(receiver: MailReceiver) -> None:
    case_id = receiver.receive(mail()).case_id or 0
    with receiver.runtime.db.transaction() as session:
        session.get(Case, case_id).status = "closed"  # type: ignore[union-attr]
    reply = mail(mid="m2@example.com", References="<m1@example.com>")
    result = receiver.receive(reply)
    assert result.outcome == "created" and result.case_id != case_id
    (message,) = [e for e in events(receiver, result.case_id or 0) if e.kind == "message_in"]
    assert message.data["follows_case"] == case_id


def test_oversized_attachment_is_dropped_with_a_note(receiver: MailReceiver) -> None:
    msg = EmailMessage()
    msg["From"] = "ann@example.com"
    msg["Subject"] = "big file"
    msg["Message-ID"] = "<big@example.com>"
    msg.set_content("see attachment")
    msg.add_attachment(
        b"\0" * (100 * 1024), maintype="application", subtype="zip", filename="a.zip"
    )
    result = receiver.receive(msg.as_bytes())
    (message,) = [e for e in events(receiver, result.case_id or 0) if e.kind == "message_in"]
    assert message.data["dropped"][0]["filename"] == "a.zip"
    assert "limit" in message.data["dropped"][0]["reason"]
    assert count(receiver, Attachment) == 1  # only the original


def test_refused_mail_leaves_nothing_behind(receiver: MailReceiver) -> None:
    with pytest.raises(InvalidInput, match="sender"):
        receiver.receive(b"Subject: no sender\r\n\r\nhello\r\n")
    with pytest.raises(PayloadTooLarge):
        receiver.receive(b"From: a@example.com\r\n\r\n" + b"x" * (receiver.max_bytes + 1))
    assert count(receiver, Case) == 0 and count(receiver, CaseEvent) == 0


@pytest.fixture
def starter_receiver(db: Database, tmp_path: Path, clock: ManualClock) -> MailReceiver:
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)
    settings = Settings(desk=desk, database_url=db.url, secret_key="s" * 40)
    return MailReceiver(Runtime(settings=settings, db=db, desk=load_desk(desk), clock=clock))


def test_mail_to_the_critical_issues_address_opens_a_critical_case_with_the_one_hour_target(
    starter_receiver: MailReceiver,
) -> None:
    receiver = starter_receiver
    result = receiver.receive(
        mail(
            subject="Stamps are not being added",
            body="Since 9:00 no stamp is added in any of our shops.",
            mid="crit@example.com",
            to="Critical issues <team@example.com>",
        )
    )
    assert result.outcome == "created"
    with receiver.runtime.db.transaction(write=False) as session:
        case = session.get(Case, result.case_id)
        assert case is not None
        assert case.priority == "critical" and case.category == "critical-platform-issue"
        clock = session.scalars(
            select(SlaClockRow).where(
                SlaClockRow.case_id == case.id, SlaClockRow.metric == "first_response"
            )
        ).one()
        assert clock.policy == "critical" and clock.target_seconds == 3600
        pages = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
        page_ids = {p.event_id for p in pages}
    # The critical policy's on_start pages the on-call address: a note queued as a mail.
    paged = [e for e in events(receiver, case.id) if "oncall@example.com" in f"{e.body}{e.data}"]
    assert paged and paged[0].id in page_ids
    ordinary = receiver.receive(mail(mid="plain@example.com", sender="bob@example.com"))
    with receiver.runtime.db.transaction(write=False) as session:
        other = session.get(Case, ordinary.case_id)
        assert other is not None and other.priority != "critical"
