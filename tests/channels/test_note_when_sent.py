"""A playbook step's "email sent" is written when the mail was sent, never before (seed 001's
"comment on the card 'email sent'"): the real worker and a real SMTP sink."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.delivery import DeliveryState
from sopdesk.domain.desk import Desk, Playbook
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CasePlan, CreateCase, insert_case
from sopdesk.engine.delivery import delivery_states
from sopdesk.engine.playbooks import start_run_in
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.handlers import import_handlers
from sopdesk.packs import pack_path
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.models import CaseEvent, Order, OrderItem
from tests.channels.conftest import Sink

MAIL_THEN_NOTE = Playbook.model_validate(
    {
        "playbook": "mail-then-note",
        "title": "Mail the customer, then tell Ops",
        "steps": [
            {"id": "mail", "send": {"to": "customer", "macro": "on-hold"}, "note": "email sent"},
            {"id": "rest", "wait": {"for": "customer-reply", "timeout": "1 week"}},
            {"id": "done", "end": {"outcome": "done"}},
        ],
    }
)


@pytest.fixture
def desk() -> Desk:
    return load_desk(Path(pack_path("starter")))


def _start(db: Database, clock: ManualClock, desk: Desk) -> int:
    system = Principal.system()
    command = CreateCase(customer_email="jamie@example.com", subject="trade-in", body="b")
    with db.transaction() as session:
        # The trade-in is an order of one device, so the On hold macro names it.
        now = clock.now()
        order = Order(
            external_ref="T-1", placed_at=now, currency="EUR", created_at=now, updated_at=now
        )
        order.items.append(OrderItem(sku="IP16", name="iPhone 16", value=Decimal("500")))
        session.add(order)
        session.flush()
        plan = CasePlan(order.id, None, 1, "t")
        case, _ = insert_case(session, now, desk, system, command, plan)
        start_run_in(session, desk, case, MAIL_THEN_NOTE, clock.now(), system)
        return case.id


def _notes(db: Database, case_id: int) -> list[str]:
    with db.transaction(write=False) as session:
        query = select(CaseEvent.body).where(CaseEvent.case_id == case_id, CaseEvent.kind == "note")
        return [body or "" for body in session.scalars(query)]


def _worker(db: Database, clock: ManualClock, desk: Desk, port: int, tmp_path: Path) -> Worker:
    import_handlers()
    settings = Settings(desk=tmp_path, database_url=db.url, secret_key="s" * 40, smtp_port=port)
    return Worker(WorkContext(db, clock, desk, settings), HANDLERS)


def test_email_sent_is_written_once_the_mail_server_took_it(
    db: Database, clock: ManualClock, desk: Desk, smtp_sink: tuple[Sink, int], tmp_path: Path
) -> None:
    sink, port = smtp_sink
    case_id = _start(db, clock, desk)
    assert "email sent" not in _notes(db, case_id)
    _worker(db, clock, desk, port, tmp_path).tick()
    assert [rcpt for _, rcpt, _ in sink.messages] == [["jamie@example.com"]]
    assert _notes(db, case_id).count("email sent") == 1


def test_a_mail_that_was_refused_never_says_email_sent(
    db: Database, clock: ManualClock, desk: Desk, smtp_sink: tuple[Sink, int], tmp_path: Path
) -> None:
    sink, port = smtp_sink
    sink.reply = "550 5.1.1 no such user"
    case_id = _start(db, clock, desk)
    _worker(db, clock, desk, port, tmp_path).tick()
    assert "email sent" not in _notes(db, case_id)


POST_TO_NOWHERE = Playbook.model_validate(
    {
        "playbook": "post-to-nowhere",
        "title": "Tell a channel that has no webhook",
        "steps": [
            {"id": "tell", "notify": {"channel": "#nowhere", "message": "case needs a look"}},
            {"id": "done", "end": {"outcome": "done"}},
        ],
    }
)


def test_a_chat_post_without_a_webhook_shows_as_not_sent_on_its_note(
    db: Database, clock: ManualClock, desk: Desk, tmp_path: Path
) -> None:
    system = Principal.system()
    command = CreateCase(customer_email="jamie@example.com", subject="trade-in", body="b")
    with db.transaction() as session:
        case, _ = insert_case(
            session, clock.now(), desk, system, command, CasePlan(None, None, 1, "t")
        )
        start_run_in(session, desk, case, POST_TO_NOWHERE, clock.now(), system)
        case_id = case.id
    _worker(db, clock, desk, 1, tmp_path).tick()  # no chat URL anywhere: refused at once
    with db.transaction(write=False) as session:
        note = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.body == "case needs a look"
            )
        ).one()
        delivery = delivery_states(session, [(note.id, note.kind)])[note.id]
    assert delivery.state is DeliveryState.DEAD
    assert delivery.label == "not sent (dead letter)"
    assert "no webhook URL for chat channel '#nowhere'" in (delivery.error or "")
