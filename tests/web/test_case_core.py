"""The live desk does what the SOP says: every door changes a case through one core, and each
change re-decides what follows (clocks, routing, assignee). Starter desk, real worker.

Issue 10's items 3, 4, 5 and 10, each tried as a user would through the API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.clock import ManualClock
from sopdesk.engine.worker import HANDLERS, HandlerRegistry, WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import CaseEvent, OutboxMessage
from tests.web.conftest import Persona


def create(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    body = {
        "customer_email": "ann@example.com",
        "customer_name": "Ann Example",
        "subject": "Help",
        "body": "b",
        **fields,
    }
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def patch(client: TestClient, who: Persona, case_id: int, **fields: Any) -> dict[str, Any]:
    response = client.patch(f"/api/v1/cases/{case_id}", json=fields, headers=who.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def clocks(client: TestClient, who: Persona, case_id: int) -> dict[str, dict[str, Any]]:
    items = client.get(f"/api/v1/cases/{case_id}/sla", headers=who.headers).json()
    return {c["metric"]: c for c in items}


def timeline(client: TestClient, who: Persona, case_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        f"/api/v1/cases/{case_id}/timeline?limit=200", headers=who.headers
    ).json()["items"]
    return items


def sla_worker(runtime: Runtime) -> Worker:
    """The timers' worker; deliveries stay pending so the test can read them."""
    registry = HandlerRegistry()
    for kind in HANDLERS.kinds:
        handler = HANDLERS.get(kind)
        if kind not in ("chat.post", "message.out", "webhook.post") and handler is not None:
            registry.add(kind, handler)
    return Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), registry)


def outbox(runtime: Runtime, kind: str) -> list[OutboxMessage]:
    with runtime.db.transaction(write=False) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        session.expunge_all()
        return list(rows)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- item 3: only a person's reply answers the customer -------------------------------------


def test_the_acknowledgement_never_stops_the_first_response_clock_whoever_created_the_case(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    agent = people["agent"]
    # Seed 003's critical-issue playbook sets the case critical and acknowledges at once.
    case = create(client, agent, category="critical-platform-issue", subject="Cards down")
    acknowledged = [e for e in timeline(client, agent, case["id"]) if e["kind"] == "message_out"]
    assert [e["data"]["origin"] for e in acknowledged] == ["automatic"]
    first = clocks(client, agent, case["id"])["first_response"]
    assert first["state"] == "running" and first["policy"] == "critical"
    assert first["due_at"] == "2026-11-23T10:00:00Z"  # created 09:00 UTC: one hour, 24/7
    assert client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers).json()["status"] == (
        "new"
    )
    clock.set(at("2026-11-23T10:00:00"))
    result = sla_worker(runtime).tick()
    assert not result.retried and not result.dead
    assert "sla.breach" in [job.kind for job in result.done]
    after = client.get(f"/api/v1/cases/{case['id']}", headers=people["admin"].headers).json()
    assert after["level"] == 2  # the critical policy escalates a breach
    # ... and the work moves with it: the level-1 agent no longer holds a level-2 case.
    level_two = {people["lead"].id, people["approver"].id}
    assert case["assignee_id"] == agent.id and after["assignee_id"] in level_two


def test_a_persons_reply_answers_and_opens_the_case(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    case = create(client, agent)
    reply = {"kind": "reply", "body": "We are on it."}
    response = client.post(
        f"/api/v1/cases/{case['id']}/messages", json=reply, headers=agent.headers
    )
    assert response.status_code == 201, response.text
    assert clocks(client, agent, case["id"])["first_response"]["state"] == "stopped"
    assert client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers).json()["status"] == (
        "open"
    )


# --- item 4: later changes re-decide --------------------------------------------------------


def test_a_case_categorised_after_intake_is_routed_and_its_offense_counted(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent, admin = people["agent"], people["admin"]
    create(client, agent, category="dnr", subject="Never arrived")
    later = create(client, agent, subject="Again nothing came")
    assert later["level"] == 1 and later["category"] is None
    moved = patch(client, admin, later["id"], category="dnr")
    assert moved["level"] == 3 and moved["category"] == "multiple-dnr"
    events = timeline(client, admin, later["id"])
    rerouted = [e for e in events if e["kind"] == "routing" and e["data"].get("rerouted")]
    assert len(rerouted) == 1
    assert "2nd dnr claim" in rerouted[0]["body"]
    assert rerouted[0]["data"]["offenses"] == {"dnr": 2}


def test_a_priority_raised_to_critical_later_gets_the_critical_target_and_pages_on_call(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    agent = people["agent"]
    case = create(client, agent)
    assert clocks(client, agent, case["id"])["first_response"]["policy"] == "standard"
    clock.advance(timedelta(minutes=10))
    patch(client, agent, case["id"], priority="critical")
    first = clocks(client, agent, case["id"])["first_response"]
    # The ten minutes already counted stay counted: due one hour after the case arrived.
    assert first["policy"] == "critical" and first["due_at"] == "2026-11-23T10:00:00Z"
    events = [e for e in timeline(client, agent, case["id"]) if e["kind"] == "sla_event"]
    assert any("re-targeted" in (e["body"] or "") for e in events)
    posts = [p.payload["text"] for p in outbox(runtime, "chat.post")]
    assert any(f"Critical case {case['id']} opened" in text for text in posts)


def test_a_signal_set_later_from_the_api_sends_the_case_to_level_4(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent, admin = people["agent"], people["admin"]
    case = create(client, agent, category="order-status")
    assert case["level"] == 1 and case["assignee_id"] == agent.id
    moved = patch(client, agent, case["id"], signals=["chargeback"], reason="bank letter")
    assert moved["level"] == 4 and moved["category"] == "chargebacks"
    assert moved["signals"] == ["chargeback"]
    # Escalation moves the work: the level-1 agent cannot open it, so it is not theirs.
    assert moved["assignee_id"] == admin.id
    body = next(e for e in reversed(timeline(client, admin, case["id"])) if e["kind"] == "routing")
    assert "signal 'chargeback'" in (body["body"] or "") or "level 4" in (body["body"] or "")


def test_an_unknown_signal_set_later_is_refused_and_changes_nothing(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    case = create(client, agent)
    response = client.patch(
        f"/api/v1/cases/{case['id']}", json={"signals": ["aliens"]}, headers=agent.headers
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers).json()["signals"] == []


# --- item 5: escalation moves the work ------------------------------------------------------


def test_escalation_reassigns_within_the_new_level_and_back(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent, senior = people["agent"], people["senior"]
    case = create(client, agent, category="order-status")
    assert case["assignee_id"] == agent.id
    up = {"level": 3, "reason": "customer threatens to leave"}
    response = client.post(f"/api/v1/cases/{case['id']}/escalate", json=up, headers=agent.headers)
    assert response.status_code == 200, response.text
    now = client.get(f"/api/v1/cases/{case['id']}", headers=senior.headers).json()
    assert now["level"] == 3 and now["assignee_id"] == senior.id
    down = {"level": 1, "reason": "resolved the worry"}
    client.post(f"/api/v1/cases/{case['id']}/escalate", json=down, headers=senior.headers)
    back = client.get(f"/api/v1/cases/{case['id']}", headers=senior.headers).json()
    assert back["level"] == 1 and back["assignee_id"] == agent.id


def test_a_case_cannot_be_assigned_to_an_agent_who_cannot_open_it(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin, agent = people["admin"], people["agent"]
    case = create(client, admin, signals=["fraud"])
    assert case["level"] == 4
    response = client.patch(
        f"/api/v1/cases/{case['id']}", json={"assignee_id": agent.id}, headers=admin.headers
    )
    assert response.status_code == 422
    assert "cannot open" in response.json()["detail"]


# --- item 10: critical means around the clock -----------------------------------------------


def test_a_critical_issue_on_friday_night_is_due_within_the_hour_and_on_call_is_paged(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    agent = people["agent"]
    clock.set(at("2026-11-27T22:30:00"))  # Friday 23:30 in Berlin: the office is closed
    case = create(client, agent, priority="critical", subject="No stamp cards issue")
    first = clocks(client, agent, case["id"])["first_response"]
    assert first["due_at"] == "2026-11-27T23:30:00Z"  # not Monday morning
    posts = [p.payload for p in outbox(runtime, "chat.post")]
    paged = [p for p in posts if p["text"].startswith(f"Critical case {case['id']} opened")]
    assert [p["channel"] for p in paged] == ["#escalations"]
    mails = outbox(runtime, "message.out")
    with runtime.db.transaction(write=False) as session:
        notes = [session.get(CaseEvent, m.payload["event_id"]) for m in mails]
        pages = [(n.kind, n.data["to"]) for n in notes if n is not None]
    assert ("note", "oncall@example.com") in pages
