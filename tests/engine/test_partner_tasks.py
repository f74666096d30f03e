"""Partner tasks on real SQLite and PostgreSQL: sign-in, one partner's tasks only, answers that
move the run on (with a shipment when tracking is given), and answers that arrive by e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.demo.load import DEMO_PASSWORD, load_demo
from sopdesk.demo.texts import PARTNERS
from sopdesk.domain.cases import ActorKind
from sopdesk.domain.mail_threading import make_reply_token
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import CreateAgent, do_create_agent, principal_of
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.orders import UpsertOrders, check_upsert_orders, do_upsert_orders
from sopdesk.engine.partner_tasks import (
    AnswerTask,
    check_answer_task,
    do_answer_task,
    get_partner_task,
    list_partner_tasks,
)
from sopdesk.engine.partner_users import (
    CreatePartner,
    CreatePartnerUser,
    authenticate_partner,
    check_create_partner,
    check_create_partner_user,
    do_create_partner,
    do_create_partner_user,
    partner_user_principal,
)
from sopdesk.engine.playbook_checks import check_send_event
from sopdesk.engine.playbooks import do_send_event, list_case_runs
from sopdesk.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sopdesk.runtime import Runtime
from sopdesk.store.models import Agent, CaseEvent, OutboxMessage, Shipment
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]
SYSTEM = Principal.system()
PASSWORD = "shop password 1"
SHOPS = {"northside": "Northside Breaks", "golden": "Golden Pack Cards"}


@dataclass(frozen=True)
class Shop:
    """A partner with one user, one order and one missing-item case."""

    slug: str
    user_email: str
    principal: Principal
    case_id: int
    order_ref: str


def make_shop(runtime: Runtime, slug: str, name: str) -> Shop:
    db, clock = runtime.db, runtime.clock
    partner = CreatePartner(slug=slug, name=name, email=f"orders@{slug}.example")
    check_create_partner(db, SYSTEM, partner)
    do_create_partner(db, clock.now(), partner)
    user = CreatePartnerUser(
        partner=slug, email=f"shop@{slug}.example", name=f"{name} staff", password=PASSWORD
    )
    do_create_partner_user(db, clock, check_create_partner_user(db, SYSTEM, user), user)
    ref = f"ORD-{slug.upper()}"
    orders = UpsertOrders.model_validate(
        {
            "orders": [
                {
                    "external_ref": ref,
                    "customer_email": f"buyer.{slug}@example.com",
                    "customer_name": "Casey Buyer",
                    "partner": slug,
                    "placed_at": "2026-11-20T10:00:00+00:00",
                    "destination_country": "US",
                    "items": [{"sku": "PKM-1", "name": "Charizard holo", "value": "120.00"}],
                }
            ]
        }
    )
    do_upsert_orders(db, clock.now(), orders, check_upsert_orders(db, SYSTEM, orders))
    command = CreateCase(
        customer_email=f"buyer.{slug}@example.com",
        customer_name="Casey Buyer",
        subject=f"A card is missing from my {name} break",
        body="The Charizard was not in the package.",
        category="missing-item",
        order_ref=ref,
    )
    plan = check_create_case(db, SYSTEM, runtime.desk, command)
    case_id = do_create_case(db, clock, runtime.desk, SYSTEM, command, plan).id
    _, principal = authenticate_partner(db, f"shop@{slug}.example", PASSWORD)
    return Shop(slug, f"shop@{slug}.example", principal, case_id, ref)


def answer(runtime: Runtime, shop: Shop, task_id: int, command: AnswerTask) -> None:
    db, clock = runtime.db, runtime.clock
    task = check_answer_task(db, clock, shop.principal, task_id, command)
    do_answer_task(db, clock, runtime.desk, shop.principal, task, command)


def run_step(runtime: Runtime, case_id: int) -> str:
    (run,) = list_case_runs(runtime.db, SYSTEM, case_id)
    return run.step


@pytest.fixture
def shops(runtime: Runtime) -> dict[str, Shop]:
    return {slug: make_shop(runtime, slug, name) for slug, name in SHOPS.items()}


def test_sign_in_gives_a_partner_principal_and_refuses_wrong_passwords(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    user_id, principal = authenticate_partner(runtime.db, "Shop@Northside.example", PASSWORD)
    assert principal.kind is ActorKind.PARTNER and principal.id == shops["northside"].principal.id
    assert partner_user_principal(runtime.db, user_id) == principal
    with pytest.raises(Unauthorized):
        authenticate_partner(runtime.db, "shop@northside.example", "not the password")
    with pytest.raises(Unauthorized):
        authenticate_partner(runtime.db, "nobody@northside.example", PASSWORD)


def test_each_partner_sees_and_answers_only_its_own_tasks(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    north, golden = shops["northside"], shops["golden"]
    (north_task,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    (golden_task,) = list_partner_tasks(runtime.db, runtime.clock, golden.principal)
    assert north_task.case_id == north.case_id and golden_task.case_id == golden.case_id
    assert north_task.status == "open" and north_task.step == "ask-shop"
    assert north_task.order_ref == north.order_ref
    assert north_task.items == ["Charizard holo (PKM-1)"]
    assert "please verify" in north_task.request_subject
    assert "Northside Breaks" in north_task.request_text
    with pytest.raises(NotFound):
        get_partner_task(runtime.db, runtime.clock, north.principal, golden_task.id)
    with pytest.raises(NotFound):
        answer(runtime, north, golden_task.id, AnswerTask(answer="not my case"))
    assert run_step(runtime, golden.case_id) == "ask-shop"


def test_agents_and_customers_are_refused_by_the_portal_functions(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    agent = do_create_agent(
        runtime.db, runtime.clock, CreateAgent(email="ann@example.com", name="Ann", level=4)
    )
    with runtime.db.transaction(write=False) as session:
        row = session.get(Agent, agent.id)
        assert row is not None
        as_agent = principal_of(row)
    customer = Principal(kind=ActorKind.CUSTOMER, id=1)
    for outsider in (as_agent, customer, SYSTEM):
        with pytest.raises(Forbidden):
            list_partner_tasks(runtime.db, runtime.clock, outsider)


def test_answering_verify_moves_the_run_to_what_happened(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    north = shops["northside"]
    (task,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    answer(runtime, north, task.id, AnswerTask(answer="  Verified: missed in sorting.  "))
    assert run_step(runtime, north.case_id) == "what-happened"
    (done,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    assert (done.status, done.answer) == ("answered", "Verified: missed in sorting.")
    with runtime.db.transaction(write=False) as session:
        message = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == north.case_id, CaseEvent.kind == "message_in"
            )
        ).all()[-1]
        assert message.actor_kind == "partner" and message.actor_id == north.principal.id
        assert message.channel == "portal" and message.data["task_id"] == task.id
    with pytest.raises(Conflict):
        answer(runtime, north, task.id, AnswerTask(answer="again"))
    (run,) = list_case_runs(runtime.db, SYSTEM, north.case_id)
    assert run.variables["partner_answer"] == "Verified: missed in sorting."


def test_tracking_adds_a_shipment_and_the_customer_is_told(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    north = shops["northside"]
    (first,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    answer(runtime, north, first.id, AnswerTask(answer="Missed in sorting"))
    (run,) = list_case_runs(runtime.db, SYSTEM, north.case_id)
    chose = ev.Chose(option="missed-in-sorting")
    check_send_event(runtime.db, SYSTEM, runtime.desk, run.id, chose)
    do_send_event(runtime.db, runtime.clock, runtime.desk, SYSTEM, run.id, chose)
    ship, _ = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    assert (ship.step, ship.status) == ("ship-promptly", "open")
    command = AnswerTask(answer="Shipped today", carrier="USPS", tracking_number="9400111")
    answer(runtime, north, ship.id, command)
    (run,) = list_case_runs(runtime.db, SYSTEM, north.case_id)
    assert (run.status, run.outcome) == ("done", "item-shipped")
    assert "tell-customer-tracking" in [h["step"] for h in run.history]
    with runtime.db.transaction(write=False) as session:
        (shipment,) = session.scalars(select(Shipment))
        assert (shipment.carrier, shipment.tracking_number) == ("USPS", "9400111")
        mails = [m.payload.get("text", "") for m in session.scalars(select(OutboxMessage))]
    assert any("USPS tracking number 9400111" in text for text in mails)


def test_bad_answers_are_refused_and_change_nothing(
    runtime: Runtime, shops: dict[str, Shop]
) -> None:
    north = shops["northside"]
    (task,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    with pytest.raises(ValidationError):
        AnswerTask(answer="   ")
    with pytest.raises(ValidationError):
        AnswerTask(answer="ok", tracking_number="<script>")
    with pytest.raises(InvalidInput) as refused:
        answer(runtime, north, task.id, AnswerTask(answer="shipped", carrier="USPS"))
    assert refused.value.errors[0]["loc"][-1] == "tracking_number"
    assert run_step(runtime, north.case_id) == "ask-shop"


def test_a_task_past_its_due_time_is_overdue(runtime: Runtime, shops: dict[str, Shop]) -> None:
    north = shops["northside"]
    (task,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    assert task.due is not None and not task.overdue
    runtime.clock.advance(timedelta(days=5))  # 2 business days have passed, the timer not fired
    (late,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    assert late.overdue and late.status == "open"


def _mail(sender: str, case_id: int, secret: str, mid: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"support+{make_reply_token(case_id, secret)}@desk.example"
    msg["Subject"] = "Re: Missing item: please verify"
    msg["Message-ID"] = f"<{mid}>"
    msg.set_content("Verified, it was missed in sorting. Shipping tomorrow.")
    return msg.as_bytes()


def test_mail_from_the_partner_answers_its_task(runtime: Runtime, shops: dict[str, Shop]) -> None:
    north, golden = shops["northside"], shops["golden"]
    receiver = MailReceiver(runtime)
    result = receiver.receive(_mail(north.user_email, north.case_id, receiver.secret, "p1@x"))
    assert (result.outcome, result.case_id) == ("appended", north.case_id)
    assert run_step(runtime, north.case_id) == "what-happened"
    (task,) = list_partner_tasks(runtime.db, runtime.clock, north.principal)
    assert task.status == "answered" and task.answer is not None
    assert task.answer.startswith("Verified, it was missed in sorting")
    with runtime.db.transaction(write=False) as session:
        event = session.get(CaseEvent, result.event_id)
        assert event is not None
        assert (event.kind, event.actor_kind, event.channel) == ("message_in", "partner", "email")
    # The partner's own address works too; another shop's user is not this case's partner.
    stranger = receiver.receive(_mail(north.user_email, golden.case_id, receiver.secret, "p2@x"))
    assert stranger.outcome == "appended" and run_step(runtime, golden.case_id) == "ask-shop"
    own = receiver.receive(_mail("orders@golden.example", golden.case_id, receiver.secret, "p3@x"))
    assert own.case_id == golden.case_id and run_step(runtime, golden.case_id) == "what-happened"
    with runtime.db.transaction(write=False) as session:
        wrong = session.get(CaseEvent, stranger.event_id)
        assert wrong is not None and wrong.actor_kind == "customer"


def test_the_demo_gives_every_shop_a_portal_user(runtime: Runtime) -> None:
    load_demo(runtime.db, runtime.clock, runtime.desk, customers=20, cases=10)
    again = load_demo(runtime.db, runtime.clock, runtime.desk, customers=20, cases=10)
    shops = [row for row in again.credentials if row[3].startswith("partner: ")]
    assert len(shops) == len(PARTNERS)
    for slug, *_ in PARTNERS:
        _, principal = authenticate_partner(runtime.db, f"shop@{slug}.example", DEMO_PASSWORD)
        list_partner_tasks(runtime.db, runtime.clock, principal)  # signs in and reads, no error
