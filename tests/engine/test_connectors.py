"""Connector calls on the engine, against a real HTTP receiver on 127.0.0.1: a signed request,
an ok answer that changes the order, a refusal with its reason, a timeout retried with backoff
until the call fails, the built-in orders connector, a plugin entry point, and a repeat of a
call that never acts twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sopdesk.desk import load_desk
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Desk, Playbook
from sopdesk.domain.desk.settings import Connector
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.connectors import deliver_call
from sopdesk.engine.jobs import HANDLERS, Job, WorkContext, WorkerPolicy
from sopdesk.engine.new_cases import CreateCase, check_create_case, insert_case
from sopdesk.engine.orders import OrderIn, UpsertOrders, do_upsert_orders
from sopdesk.engine.playbooks import start_run_in
from sopdesk.engine.worker import Worker
from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, ConnectorCall, Order, OutboxMessage, PlaybookRun
from tests.engine.connector_receiver import SECRET, Shop, running_shop

STARTER = load_desk(pack_path("starter"))
SYSTEM = Principal.system()


def playbook(action: str, **with_: str) -> Playbook:
    return Playbook.model_validate(
        {
            "playbook": "act",
            "title": "Act on the order",
            "steps": [
                {
                    "id": "act-now",
                    "call": {"action": action, "with": with_},
                    "on_ok": "done",
                    "on_refused": "refused",
                    "on_failed": "failed",
                },
                {"id": "done", "end": {"outcome": "done"}},
                {"id": "refused", "end": {"outcome": "refused"}},
                {"id": "failed", "end": {"outcome": "failed"}},
            ],
        }
    )


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Shop, str]]:
    monkeypatch.setenv("SHOP_KEY", SECRET)
    with running_shop() as running:
        yield running


def desk_with(url: str, **shop: Any) -> Desk:
    connectors = {
        "shop": Connector(url=url, secret_env="SHOP_KEY", **shop),
        "plugin": Connector(entry_point="tests.engine.connector_receiver:handle", attempts=2),
    }
    return STARTER.model_copy(update={"connectors": connectors})


def start(
    db: Database,
    clock: ManualClock,
    desk: Desk,
    pb: Playbook,
    status: str,
    subject: str = "Cancel please",
) -> int:
    """A case about order R-1 (with this status) and a run of `pb` on it; the run's id."""
    upsert = UpsertOrders(
        orders=[
            OrderIn(
                external_ref="R-1",
                customer_email="kim@example.com",
                placed_at=clock.now() - timedelta(days=2),
                status=status,  # type: ignore[arg-type]
            )
        ]
    )
    do_upsert_orders(db, clock.now(), upsert, {})
    command = CreateCase(
        customer_email="kim@example.com", subject=subject, body="b", order_ref="R-1"
    )
    plan = check_create_case(db, SYSTEM, desk, command)
    with db.transaction() as session:
        case, _ = insert_case(session, clock.now(), desk, SYSTEM, command, plan)
        return start_run_in(session, desk, case, pb, clock.now(), SYSTEM).id


def worker(db: Database, clock: ManualClock, desk: Desk) -> Worker:
    return Worker(WorkContext(db, clock, desk), HANDLERS, WorkerPolicy(retry_seconds=10))


def run_of(db: Database, run_id: int) -> RunState:
    with db.transaction(write=False) as session:
        row = session.get(PlaybookRun, run_id)
        assert row is not None
        return RunState.model_validate(row.state)


def timeline(db: Database, kind: EventKind) -> list[CaseEvent]:
    with db.transaction(write=False) as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.kind == kind.value)))


def order(db: Database) -> Order:
    with db.transaction(write=False) as session:
        found = session.scalar(select(Order).where(Order.external_ref == "R-1"))
        assert found is not None
        return found


def test_a_signed_call_answered_ok_changes_the_order_and_takes_on_ok(
    db: Database, clock: ManualClock, shop: tuple[Shop, str]
) -> None:
    receiver, url = shop
    desk = desk_with(url)
    run_id = start(db, clock, desk, playbook("shop.cancel", order="{{ order.number }}"), "pending")
    assert run_of(db, run_id).waiting is not None
    worker(db, clock, desk).tick()
    [request] = receiver.requests
    assert request["valid"] is True
    assert request["body"]["action"] == "cancel"
    assert request["body"]["arguments"] == {"order": "R-1"}
    with db.transaction(write=False) as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "connector.call"))
    assert request["key"] == row.idempotency_key and row.status == "delivered"
    run = run_of(db, run_id)
    assert run.outcome == "done"
    assert run.answers["act_now"]["refund_id"] == "RF-77"
    assert (order(db).status, order(db).refund_ref) == ("cancelled", "RF-77")
    [asked] = timeline(db, EventKind.CONNECTOR_CALL)
    [answered] = timeline(db, EventKind.CONNECTOR_ANSWER)
    assert asked.body == "call shop.cancel with order=R-1"
    assert answered.data["outcome"] == "ok" and answered.data["answer"] == {"refund_id": "RF-77"}


def test_a_wrong_key_is_turned_down_by_the_receiver(
    db: Database, clock: ManualClock, shop: tuple[Shop, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver, url = shop
    monkeypatch.setenv("SHOP_KEY", "not-the-key")
    desk = desk_with(url)
    run_id = start(db, clock, desk, playbook("shop.cancel"), "pending")
    worker(db, clock, desk).tick()
    assert [r["valid"] for r in receiver.requests] == [False]
    assert receiver.acted == []
    assert run_of(db, run_id).answers["act_now"]["reason"] == "bad signature"


def test_a_refusal_takes_on_refused_with_the_reason_and_changes_nothing(
    db: Database, clock: ManualClock, shop: tuple[Shop, str]
) -> None:
    receiver, url = shop
    receiver.mode = "refuse"
    desk = desk_with(url)
    run_id = start(db, clock, desk, playbook("shop.cancel"), "pending")
    worker(db, clock, desk).tick()
    run = run_of(db, run_id)
    assert run.outcome == "refused"
    assert run.answers["act_now"] == {"outcome": "refused", "reason": "the parcel has left"}
    assert order(db).status == "pending"


def test_a_timeout_is_retried_with_backoff_then_the_call_fails(
    db: Database, clock: ManualClock, shop: tuple[Shop, str]
) -> None:
    receiver, url = shop
    receiver.mode, receiver.slow_seconds = "slow", 1.0
    desk = desk_with(url, timeout_seconds=0.2, attempts=2)
    run_id = start(db, clock, desk, playbook("shop.cancel"), "pending")
    the_worker = worker(db, clock, desk)
    first = the_worker.tick()
    assert len(first.retried) == 1
    with db.transaction(write=False) as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "connector.call"))
        call = session.scalars(select(ConnectorCall)).one()
    assert row.next_attempt_at == clock.now() + timedelta(seconds=10)
    assert "no answer within 0.2 seconds" in (row.last_error or "")
    assert call.status == "pending" and run_of(db, run_id).outcome is None
    assert the_worker.tick().claimed == 0  # not due before its backoff
    clock.advance(timedelta(seconds=10))
    the_worker.tick()
    run = run_of(db, run_id)
    assert run.outcome == "failed"
    assert "after 2 attempts" in run.answers["act_now"]["reason"]
    assert len(receiver.requests) == 2
    assert len({r["key"] for r in receiver.requests}) == 1  # one key for every attempt


def test_the_built_in_orders_connector_acts_once_even_when_its_job_runs_again(
    db: Database, clock: ManualClock
) -> None:
    desk = STARTER
    run_id = start(db, clock, desk, playbook("orders.cancel"), "pending")
    with db.transaction(write=False) as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "connector.call")
        ).one()
        job = Job(
            "outbox", row.id, row.kind, row.case_id, dict(row.payload), 1, row.idempotency_key
        )
    ctx = WorkContext(db, clock, desk)
    deliver_call(job, ctx)
    deliver_call(job, ctx)  # a worker that died before marking the row delivered
    assert run_of(db, run_id).outcome == "done"
    assert order(db).status == "cancelled"
    assert len(timeline(db, EventKind.CONNECTOR_ANSWER)) == 1


def test_the_orders_connector_refuses_to_cancel_a_shipped_order(
    db: Database, clock: ManualClock
) -> None:
    run_id = start(db, clock, STARTER, playbook("orders.cancel"), "shipped")
    worker(db, clock, STARTER).tick()
    run = run_of(db, run_id)
    assert run.outcome == "refused" and "shipped" in run.answers["act_now"]["reason"]
    assert order(db).status == "shipped"


def test_a_plugin_entry_point_answers_and_its_failure_is_retried_then_failed(
    db: Database, clock: ManualClock, shop: tuple[Shop, str]
) -> None:
    desk = desk_with(shop[1])
    run_id = start(db, clock, desk, playbook("plugin.note", note="{{ order.number }}"), "pending")
    worker(db, clock, desk).tick()
    assert run_of(db, run_id).answers["act_now"] == {"echo": "R-1", "outcome": "ok", "reason": ""}
    broken = playbook("plugin.explode")
    with db.transaction() as session:
        first = session.get(PlaybookRun, run_id)
        assert first is not None
        case = session.get(Case, first.case_id)
        assert case is not None
        other = start_run_in(session, desk, case, broken, clock.now(), SYSTEM).id
    the_worker = worker(db, clock, desk)
    assert len(the_worker.tick().retried) == 1
    clock.advance(timedelta(seconds=10))
    the_worker.tick()
    run = run_of(db, other)
    assert run.outcome == "failed" and "the plugin broke" in run.answers["act_now"]["reason"]


def test_a_missing_value_in_the_arguments_fails_the_call_without_calling(
    db: Database, clock: ManualClock, shop: tuple[Shop, str]
) -> None:
    receiver, url = shop
    desk = desk_with(url)
    run_id = start(db, clock, desk, playbook("shop.cancel", why="{{ fields.reason }}"), "pending")
    worker(db, clock, desk).tick()
    run = run_of(db, run_id)
    assert run.outcome == "failed" and "fields.reason" in run.answers["act_now"]["reason"]
    assert receiver.requests == []
