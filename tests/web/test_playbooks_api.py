"""Playbook runs through the API on SQLite and PostgreSQL: auto-start, events, 409s that change
nothing, approval rights, timers fired by the worker, the ledger, versions kept."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import (
    Case,
    LedgerEntry,
    Order,
    OrderItem,
    OutboxMessage,
    PlaybookRun,
    Timer,
)
from tests.web.conftest import Persona

_REFS = itertools.count(1)


def _case(client: TestClient, who: Persona, category: str, runtime: Runtime) -> int:
    # The case is about an order of one item, so its macros have the item they name.
    ref = f"O-{next(_REFS)}"
    with runtime.db.transaction() as session:
        now = runtime.clock.now()
        order = Order(
            external_ref=ref, placed_at=now, currency="EUR", created_at=now, updated_at=now
        )
        order.items.append(
            OrderItem(
                sku="C-1", name="Rookie card", value=Decimal("6.49"), comp_value=Decimal("5.00")
            )
        )
        session.add(order)
    body = {
        "customer_email": "c@example.com",
        "subject": "s",
        "body": "b",
        "category": category,
        "order_ref": ref,
    }
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _run(client: TestClient, who: Persona, case_id: int) -> dict:
    runs = client.get(f"/api/v1/cases/{case_id}/runs", headers=who.headers).json()
    assert len(runs) == 1
    return runs[0]


def _event(client: TestClient, who: Persona, run_id: int, body: dict) -> dict:
    response = client.post(f"/api/v1/runs/{run_id}/events", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _worker(runtime: Runtime) -> Worker:
    return Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), HANDLERS)


def test_a_case_starts_its_playbook_and_runs_to_approval(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "proof-of-purchase-hold", runtime)
    run = _run(client, admin, case_id)
    assert run["step"] == "identify" and run["status"] == "waiting"
    # The V-number and S-number are the case's order number and item serial (seed 001): the
    # agent types nothing, the run chose the order's numbers by itself.
    run = _event(client, admin, run["id"], {"type": "tick", "item": "all"})
    assert run["step"] == "wait-for-proof" and run["wait_until"] is not None
    with runtime.db.transaction(write=False) as session:
        outbox = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id))
        mails = [o for o in outbox if o.kind == "message.out"]
        assert [m.payload["macro"] for m in mails] == ["on-hold"]
        assert mails[0].payload["to"] == "c@example.com"
        assert session.scalar(select(func.count()).select_from(Timer)) >= 1
    # A customer reply (logged by hand) moves the run on to the approval.
    message = {"kind": "inbound", "body": "Here is my receipt"}
    response = client.post(f"/api/v1/cases/{case_id}/messages", json=message, headers=admin.headers)
    assert response.status_code == 201
    run = client.get(f"/api/v1/runs/{run['id']}", headers=admin.headers).json()
    assert run["step"] == "ask-approval"
    # Seed 001 names Arvin: neither an agent nor anyone else with the approver role may decide.
    for who in ("agent", "approver"):
        denied = client.post(
            f"/api/v1/runs/{run['id']}/events",
            json={"type": "approve"},
            headers=people[who].headers,
        )
        assert denied.status_code == 403
        assert "only Arvin" in denied.json()["detail"]
    arvin = _arvin(runtime)
    run = _event(client, arvin, run["id"], {"type": "approve", "comment": "ok"})
    assert run["status"] == "done" and run["outcome"] == "approved"
    with runtime.db.transaction(write=False) as session:
        chats = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "chat.post"))
        texts = [c.payload["text"] for c in chats]
    with runtime.db.transaction(write=False) as session:
        ref = session.scalar(
            select(Order.external_ref)
            .join(Case, Case.order_id == Order.id)
            .where(Case.id == case_id)
        )
    assert texts[-1] == f"{ref} | C-1 | Proof of Purchase approved"
    # Arvin was told when the approval waited for him: by mail and in #cs-handling.
    assert texts[0].startswith(f"Arvin: Approval needed on case {case_id}")


def _arvin(runtime: Runtime) -> Persona:
    """Seed 001's named approver, as the desk's approvers list gives his address."""
    arvin = do_create_agent(
        runtime.db, runtime.clock, CreateAgent(email="arvin@example.com", name="Arvin", level=1)
    )
    return Persona(
        "arvin", arvin.id, do_create_token(runtime.db, runtime.clock, arvin.id, "t").token
    )


def test_the_named_approver_may_reject_with_a_reason(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    headers = _arvin(runtime).headers
    admin = people["admin"]
    run = _run(client, admin, _case(client, admin, "proof-of-purchase-hold", runtime))
    _event(
        client,
        admin,
        run["id"],
        {"type": "tick", "item": "all"},
    )
    _event(client, admin, run["id"], {"type": "replied", "party": "customer"})
    path = f"/api/v1/runs/{run['id']}/events"
    bare = client.post(path, json={"type": "reject"}, headers=headers)
    assert bare.status_code == 422 and "needs a reason" in bare.json()["detail"]
    reason = {"type": "reject", "comment": "the receipt is for another device"}
    response = client.post(path, json=reason, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "rejected"
    events = client.get(f"/api/v1/cases/{run['case_id']}/timeline", headers=admin.headers).json()
    assert any("another device" in (e["body"] or "") for e in events["items"])


def test_a_playbook_escalation_moves_the_case_to_an_agent_of_the_new_level(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin, agent = people["admin"], people["agent"]
    case_id = _case(client, agent, "proof-of-purchase-hold", runtime)
    case = client.get(f"/api/v1/cases/{case_id}", headers=admin.headers).json()
    assert case["level"] == 1 and case["assignee_id"] == agent.id
    run = _run(client, admin, case_id)
    _event(client, admin, run["id"], {"type": "tick", "item": "all"})
    _event(client, admin, run["id"], {"type": "replied", "party": "customer"})
    reason = {"type": "reject", "comment": "the receipt is for another device"}
    _event(client, _arvin(runtime), run["id"], reason)  # seed 001: a rejection goes to level 2
    after = client.get(f"/api/v1/cases/{case_id}", headers=admin.headers).json()
    assert after["level"] == 2
    assert after["assignee_id"] in {people["lead"].id, people["approver"].id}
    opened = client.get(f"/api/v1/cases/{case_id}", headers=people["lead"].headers)
    assert opened.status_code == 200


def test_a_delegate_the_desk_lists_decides_in_the_named_approvers_stead(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, desk_dir: Path
) -> None:
    admin, lead, approver = people["admin"], people["lead"], people["approver"]
    settings = desk_dir / "desk.yaml"
    text = settings.read_text(encoding="utf-8")
    named = "    email: arvin@example.com\n"
    settings.write_text(text.replace(named, named + "    delegates: [lead@example.com]\n"))
    runtime.desk = load_desk(desk_dir)  # as `sopdesk serve` takes a changed desk
    run = _run(client, admin, _case(client, admin, "proof-of-purchase-hold", runtime))
    _event(client, admin, run["id"], {"type": "tick", "item": "all"})
    _event(client, admin, run["id"], {"type": "replied", "party": "customer"})
    path = f"/api/v1/runs/{run['id']}/events"
    denied = client.post(path, json={"type": "approve"}, headers=approver.headers)
    assert denied.status_code == 403  # the approver role alone is not enough
    decided = _event(client, lead, run["id"], {"type": "approve", "comment": "for Arvin"})
    assert decided["status"] == "done" and decided["outcome"] == "approved"
    events = client.get(f"/api/v1/cases/{run['case_id']}/timeline", headers=admin.headers).json()
    assert any("for Arvin" in (e["body"] or "") for e in events["items"])


def test_an_event_that_does_not_fit_is_409_and_changes_nothing(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "missing-item", runtime)
    run = _run(client, admin, case_id)
    before = client.get(f"/api/v1/runs/{run['id']}", headers=admin.headers).json()
    timeline = client.get(f"/api/v1/cases/{case_id}/timeline", headers=admin.headers).json()
    for body in (
        {"type": "approve"},
        {"type": "choose", "option": "no-such-option"},
        {"type": "tick", "item": 0},
        {"type": "event", "name": "item-returned"},
    ):
        response = client.post(f"/api/v1/runs/{run['id']}/events", json=body, headers=admin.headers)
        assert response.status_code == 409, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/runs/{run['id']}", headers=admin.headers).json() == before
    after = client.get(f"/api/v1/cases/{case_id}/timeline", headers=admin.headers).json()
    assert after == timeline
    second = client.post(
        f"/api/v1/cases/{case_id}/runs", json={"playbook": "missing-item"}, headers=admin.headers
    )
    assert second.status_code == 409


def test_the_worker_fires_a_timeout_and_a_credit_lands_in_the_ledger(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "missing-item", runtime)
    run = _run(client, admin, case_id)
    _event(client, admin, run["id"], {"type": "task-done"})
    run = _event(
        client, admin, run["id"], {"type": "choose", "option": "shipped-to-another-customer"}
    )
    assert run["step"] == "wait-for-return"
    worker = _worker(runtime)
    clock.advance(timedelta(days=4))
    worker.tick()
    assert (
        client.get(f"/api/v1/runs/{run['id']}", headers=admin.headers).json()["step"]
        == "wait-for-return"
    )
    clock.advance(timedelta(days=2))
    worker.tick()
    run = client.get(f"/api/v1/runs/{run['id']}", headers=admin.headers).json()
    assert run["step"] == "offer-resolution"
    assert set(run["options"]) == {"replace", "refund", "platform-credit"}
    run = _event(client, admin, run["id"], {"type": "choose", "option": "platform-credit"})
    assert run["outcome"] == "credited"
    with runtime.db.transaction(write=False) as session:
        ledger = session.scalars(select(LedgerEntry)).all()
        assert [(e.kind, e.amount, e.paid_by, e.run_id) for e in ledger] == [
            ("credit", Decimal("5.00"), "partner-payout", run["id"])
        ]
        assert session.scalars(select(Timer).where(Timer.kind == "playbook.timer")).all() == []


def test_a_running_case_keeps_its_playbook_version_after_the_desk_changes(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "critical-platform-issue", runtime)
    run = _run(client, admin, case_id)
    playbook = runtime.desk.playbooks["critical-issue"]
    steps = [s for s in playbook.steps if s.id != "where-is-it"]
    changed = playbook.model_copy(update={"steps": steps})
    runtime.desk = runtime.desk.model_copy(
        update={"playbooks": {**runtime.desk.playbooks, "critical-issue": changed}}
    )
    run = _event(client, admin, run["id"], {"type": "tick", "item": "all"})
    assert run["step"] == "where-is-it" and run["options"] == ["platform", "client-side"]
    with runtime.db.transaction(write=False) as session:
        assert session.get(PlaybookRun, run["id"]).version == run["version"]


def test_playbook_mail_is_signed_by_the_assignee_or_the_team(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    """Macros end with `{{ agent.first_name }}`: a playbook's mail must never sign off blank."""
    admin = people["admin"]
    signed: list[str] = []
    for assignee in (None, people["lead"]):
        case_id = _case(client, admin, "proof-of-purchase-hold", runtime)
        if assignee is not None:
            change = {"assignee_id": assignee.id}
            client.patch(f"/api/v1/cases/{case_id}", json=change, headers=admin.headers)
        else:
            unassign = {"assignee_id": None}
            client.patch(f"/api/v1/cases/{case_id}", json=unassign, headers=admin.headers)
        run = _run(client, admin, case_id)
        _event(client, admin, run["id"], {"type": "tick", "item": "all"})
        with runtime.db.transaction(write=False) as session:
            mail = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.kind == "message.out"
                )
            ).one()
        signed.append(mail.payload["text"].rstrip().splitlines()[-1])
    assert signed == [f"{runtime.desk.name} team", "Lead"]


def test_playbook_steps_keep_the_sla_clocks(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    """A macro an agent sends through the playbook is the desk's reply; a status the playbook
    sets pauses or stops the clocks exactly as the same change made by hand."""
    agent = people["admin"]
    case_id = _case(client, agent, "proof-of-purchase-hold", runtime)

    def clocks() -> dict[str, dict]:
        response = client.get(f"/api/v1/cases/{case_id}/sla", headers=agent.headers)
        return {c["metric"]: c for c in response.json()}

    assert clocks()["first_response"]["state"] == "running"
    run = _run(client, agent, case_id)
    _event(client, agent, run["id"], {"type": "tick", "item": "all"})
    after = clocks()
    # The on-hold mail answered the customer; the case now waits for them.
    assert after["first_response"]["state"] == "stopped"
    assert not after["first_response"]["breached"]
    assert all(c["state"] != "running" for c in after.values())
    case = client.get(f"/api/v1/cases/{case_id}", headers=agent.headers).json()
    assert case["status"] == "waiting_customer"
    assert case["due_at"] is None
