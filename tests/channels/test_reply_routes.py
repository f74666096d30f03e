"""Every reply reaches the customer or says why not: the real worker, a real SMTP sink.

A reply on a case that came by web form, API or chat goes by e-mail when the customer has an
address (it used to be marked delivered with nothing sent); a phone-only customer gets no
outbox row and the agent is told to call back; a failed or dead mail shows its state and reason.
"""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from sopdesk.desk import load_desk
from sopdesk.domain.cases import Channel
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.delivery import DeliveryState
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import (
    AddMessage,
    CreateCase,
    check_create_case,
    do_add_message,
    do_create_case,
)
from sopdesk.engine.delivery import cases_with_failed_delivery, delivery_states
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.handlers import import_handlers
from sopdesk.packs import pack_path
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Customer, OutboxMessage
from tests.channels.conftest import Sink


@pytest.fixture
def desk() -> Desk:
    return load_desk(Path(pack_path("starter")))


def new_case(db: Database, clock: ManualClock, desk: Desk, channel: Channel) -> int:
    command = CreateCase(
        customer_email="ann@example.com", subject="Where is my card?", body="b", channel=channel
    )
    system = Principal.system()
    plan = check_create_case(db, system, desk, command)
    return do_create_case(db, clock, desk, system, command, plan).id


def reply(db: Database, clock: ManualClock, desk: Desk, case_id: int) -> int:
    command = AddMessage(kind="reply", body="We ship a new card today.")
    return int(do_add_message(db, clock, Principal.system(), case_id, command, desk)["id"])


def worker(db: Database, clock: ManualClock, desk: Desk, port: int, tmp_path: Path) -> Worker:
    import_handlers()
    settings = Settings(desk=tmp_path, database_url=db.url, secret_key="s" * 40, smtp_port=port)
    return Worker(WorkContext(db, clock, desk, settings), HANDLERS)


def state_of(db: Database, event_id: int) -> DeliveryState:
    with db.transaction(write=False) as session:
        kind = session.get(CaseEvent, event_id).kind  # type: ignore[union-attr]
        return delivery_states(session, [(event_id, kind)])[event_id].state


@pytest.mark.parametrize("channel", [Channel.WEB, Channel.API, Channel.CHAT, Channel.PHONE])
def test_a_reply_on_any_channel_reaches_a_customer_with_an_address(
    db: Database,
    clock: ManualClock,
    desk: Desk,
    smtp_sink: tuple[Sink, int],
    tmp_path: Path,
    channel: Channel,
) -> None:
    sink, port = smtp_sink
    case_id = new_case(db, clock, desk, channel)
    event_id = reply(db, clock, desk, case_id)
    assert state_of(db, event_id) is DeliveryState.QUEUED
    worker(db, clock, desk, port, tmp_path).tick()
    mails = [
        message_from_bytes(content, policy=default)
        for _, _, content in sink.messages
        if b"We ship a new card today." in content
    ]
    assert [str(m["To"]) for m in mails] == ["ann@example.com"]
    assert state_of(db, event_id) is DeliveryState.SENT


def test_a_phone_only_customer_is_not_mailed_and_the_agent_is_told_to_call_back(
    db: Database, clock: ManualClock, desk: Desk
) -> None:
    case_id = new_case(db, clock, desk, Channel.PHONE)
    with db.transaction() as session:
        case = session.get(Case, case_id)
        customer = session.get(Customer, case.customer_id)  # type: ignore[union-attr]
        customer.email, customer.phone = None, "+442079460958"  # type: ignore[union-attr]
    before = _outbox_keys(db)
    event_id = reply(db, clock, desk, case_id)
    assert _outbox_keys(db) == before
    with db.transaction(write=False) as session:
        notes = session.scalars(
            select(CaseEvent.body).where(CaseEvent.case_id == case_id, CaseEvent.kind == "note")
        ).all()
    assert any("call them back on +442079460958" in (n or "") for n in notes)
    assert state_of(db, event_id) is DeliveryState.NOT_SENT


def test_a_refused_mail_is_dead_with_its_reason_and_flags_the_case(
    db: Database, clock: ManualClock, desk: Desk, smtp_sink: tuple[Sink, int], tmp_path: Path
) -> None:
    sink, port = smtp_sink
    sink.reply = "550 5.1.1 no such user"
    case_id = new_case(db, clock, desk, Channel.WEB)
    event_id = reply(db, clock, desk, case_id)
    worker(db, clock, desk, port, tmp_path).tick()
    with db.transaction(write=False) as session:
        delivery = delivery_states(session, [(event_id, "message_out")])[event_id]
        flagged = cases_with_failed_delivery(session, [case_id])
    assert delivery.state is DeliveryState.DEAD
    assert "550" in (delivery.error or "")
    assert flagged == {case_id}


def test_a_temporary_failure_shows_as_failed_until_it_is_sent(
    db: Database, clock: ManualClock, desk: Desk, smtp_sink: tuple[Sink, int], tmp_path: Path
) -> None:
    sink, port = smtp_sink
    sink.reply = "451 4.3.0 try again later"
    case_id = new_case(db, clock, desk, Channel.API)
    event_id = reply(db, clock, desk, case_id)
    w = worker(db, clock, desk, port, tmp_path)
    w.tick()
    assert state_of(db, event_id) is DeliveryState.FAILED
    with db.transaction(write=False) as session:
        assert cases_with_failed_delivery(session, [case_id]) == {case_id}
    sink.reply = None
    clock.advance(w.policy.backoff(8))
    w.tick()
    assert state_of(db, event_id) is DeliveryState.SENT
    with db.transaction(write=False) as session:
        assert cases_with_failed_delivery(session, [case_id]) == set()


def _outbox_keys(db: Database) -> set[str]:
    with db.transaction(write=False) as session:
        return set(session.scalars(select(OutboxMessage.idempotency_key)))
