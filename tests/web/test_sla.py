"""SLA clocks on a real database: business hours, pause and resume, warnings and breaches.

Breach and warning timers fire through the real worker at their exact due instants (ManualClock).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.desk import check_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.sla_views import at_risk_query
from sopdesk.engine.worker import HANDLERS, HandlerRegistry, WorkContext, Worker
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage, Timer
from tests.web.conftest import Persona

# Business hours of the starter desk (Berlin): 08:00-12:30 and 13:00-18:00 on weekdays.
SLA_YAML = """
policies:
  - id: critical
    title: Critical issues get a first response within 1 business hour
    applies_to: {priorities: [critical]}
    precedence: 10
    targets: {first_response: 1 business hour, resolution: 2 business days}
    pause_when: [waiting_customer]
    warn_at_share: 0.5
    on_warning:
      - {notify: "#escalations", message: "Case {{ case.id }}: half the {{ sla.metric }} time used"}
    on_breach:
      - {notify: "#escalations", message: "Case {{ case.id }} breached {{ sla.metric }}"}
      - {escalate_to: 2}
  - id: standard
    title: Everyone else within 8 business hours
    targets: {first_response: 8 business hours, next_response: 4 business hours}
    applies_to: {tiers: [standard]}
    on_breach:
      - {set_priority: high}
"""


@pytest.fixture
def desk_dir(tmp_path: Path) -> Path:
    target = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), target)
    (target / "sla.yaml").write_text(SLA_YAML)
    return target


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def create(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    body = {"customer_email": "c@example.com", "subject": "Down", "body": "b", **fields}
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def clocks(client: TestClient, who: Persona, case_id: int) -> dict[str, dict[str, Any]]:
    items = client.get(f"/api/v1/cases/{case_id}/sla", headers=who.headers).json()
    return {c["metric"]: c for c in items}


def worker(runtime: Runtime) -> Worker:
    """The SLA timers' worker; chat posts are left pending (tests/channels delivers them)."""
    registry = HandlerRegistry()
    for kind in HANDLERS.kinds:
        handler = HANDLERS.get(kind)
        if kind != "chat.post" and handler is not None:
            registry.add(kind, handler)
    return Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), registry)


def sla_events(client: TestClient, who: Persona, case_id: int) -> list[tuple[str, str]]:
    items = client.get(f"/api/v1/cases/{case_id}/timeline", headers=who.headers).json()["items"]
    return [(e["data"]["metric"], e["data"]["sla"]) for e in items if e["kind"] == "sla_event"]


def test_critical_first_response_is_due_in_one_business_hour_and_breaches_on_time(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    # Monday 2026-11-23 09:00 UTC is 10:00 in Berlin: due at 11:00 Berlin, 10:00 UTC.
    case = create(client, admin, priority="critical")
    first = clocks(client, admin, case["id"])["first_response"]
    assert first["due_at"] == "2026-11-23T10:00:00Z"
    assert first["warn_at"] == "2026-11-23T09:30:00Z"
    assert case["due_at"] is None or case["due_at"] == "2026-11-23T10:00:00Z"
    assert client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers).json()["due_at"] == (
        "2026-11-23T10:00:00Z"
    )
    run = worker(runtime)
    clock.set(at("2026-11-23T09:29:59"))
    assert run.tick().claimed == 0
    clock.set(at("2026-11-23T09:30:00"))
    assert [j.kind for j in run.tick().done] == ["sla.warn"]
    clock.set(at("2026-11-23T09:59:59.999"))
    assert run.tick().claimed == 0
    clock.set(at("2026-11-23T10:00:00"))
    assert [j.kind for j in run.tick().done] == ["sla.breach"]
    after = client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers).json()
    assert after["level"] == 2  # the breach action escalates
    timeline = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=admin.headers).json()
    breach = next(e for e in timeline["items"] if e["data"].get("sla") == "breach")
    assert breach["at"] == "2026-11-23T10:00:00Z" and breach["data"]["late_seconds"] == 0
    with runtime.db.transaction(write=False) as session:
        posts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "chat.post"))
        texts = sorted(p.payload["text"] for p in posts)
    assert texts == [
        f"Case {case['id']} breached first response",
        f"Case {case['id']}: half the first response time used",
    ]
    assert clocks(client, admin, case["id"])["first_response"]["breached"] is True


def test_business_time_skips_the_lunch_break_and_the_night(
    client: TestClient, people: dict[str, Persona], clock: ManualClock
) -> None:
    admin = people["admin"]
    clock.set(at("2026-11-23T11:00:00"))  # 12:00 Berlin: 30 minutes before lunch
    lunch = create(client, admin, priority="critical")
    assert clocks(client, admin, lunch["id"])["first_response"]["due_at"] == "2026-11-23T12:30:00Z"
    clock.set(at("2026-11-23T16:30:00"))  # 17:30 Berlin: 30 minutes before closing
    night = create(client, admin, priority="critical", customer_email="n@example.com")
    due = clocks(client, admin, night["id"])["first_response"]["due_at"]
    assert due == "2026-11-24T07:30:00Z"  # 08:30 Berlin the next morning


def test_waiting_for_the_customer_pauses_and_resuming_shifts_the_due_time(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    case = create(client, admin, priority="critical")
    path = f"/api/v1/cases/{case['id']}"
    clock.set(at("2026-11-23T09:20:00"))
    client.patch(path, json={"status": "waiting_customer"}, headers=admin.headers)
    paused = clocks(client, admin, case["id"])["first_response"]
    assert (paused["state"], paused["due_at"], paused["consumed_seconds"]) == ("paused", None, 1200)
    # The policy pauses all its clocks, so nothing is due while the customer is asked.
    assert client.get(path, headers=admin.headers).json()["due_at"] is None
    # The stale timers of the first stretch fire and do nothing.
    run = worker(runtime)
    clock.set(at("2026-11-23T10:00:00"))
    run.tick()
    assert clocks(client, admin, case["id"])["first_response"]["breached"] is False
    clock.set(at("2026-11-23T10:30:00"))
    client.patch(path, json={"status": "open"}, headers=admin.headers)
    resumed = clocks(client, admin, case["id"])["first_response"]
    assert resumed["due_at"] == "2026-11-23T11:10:00Z"  # 40 minutes left after 10:30
    assert resumed["warn_at"] == "2026-11-23T10:40:00Z"  # half of 60 minutes: 10 more
    clock.set(at("2026-11-23T11:10:00"))
    kinds = sorted(j.kind for j in run.tick().done)
    assert kinds == ["sla.breach", "sla.warn"]
    assert sla_events(client, admin, case["id"])[-2:] == [
        ("first_response", "warning"),
        ("first_response", "breach"),
    ]


def test_a_reply_stops_first_response_and_a_customer_message_starts_next_response(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    case = create(client, admin)
    assert clocks(client, admin, case["id"])["first_response"]["policy"] == "standard"
    path = f"/api/v1/cases/{case['id']}/messages"
    clock.advance(timedelta(minutes=30))
    client.post(path, json={"kind": "reply", "body": "On it"}, headers=admin.headers)
    now = clocks(client, admin, case["id"])
    assert now["first_response"]["state"] == "stopped" and "next_response" not in now
    assert client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers).json()["due_at"] is None
    clock.advance(timedelta(minutes=30))
    client.post(path, json={"kind": "inbound", "body": "Any news?"}, headers=admin.headers)
    nxt = clocks(client, admin, case["id"])["next_response"]
    assert (nxt["state"], nxt["due_at"]) == ("running", "2026-11-23T14:30:00Z")  # +4h, lunch
    clock.advance(timedelta(minutes=10))
    client.post(path, json={"kind": "reply", "body": "Shipped"}, headers=admin.headers)
    assert clocks(client, admin, case["id"])["next_response"]["state"] == "stopped"
    client.post(path, json={"kind": "inbound", "body": "Thanks"}, headers=admin.headers)
    assert clocks(client, admin, case["id"])["next_response"]["state"] == "running"
    assert sla_events(client, admin, case["id"]) == [
        ("first_response", "started"),
        ("first_response", "stopped by a reply"),
        ("next_response", "started"),
        ("next_response", "stopped by a reply"),
        ("next_response", "restarted"),
    ]


def test_solving_stops_every_clock_and_leaves_no_live_timer(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    case = create(client, admin, priority="critical")
    client.patch(f"/api/v1/cases/{case['id']}", json={"status": "solved"}, headers=admin.headers)
    assert {c["state"] for c in clocks(client, admin, case["id"]).values()} == {"stopped"}
    clock.advance(timedelta(days=7))
    result = worker(runtime).tick()
    assert result.claimed > 0 and not result.retried
    with runtime.db.transaction(write=False) as session:
        assert session.scalars(select(Timer)).all() == []
    assert [e for e in sla_events(client, admin, case["id"]) if e[1] in ("warning", "breach")] == []


def test_the_at_risk_query_finds_cases_due_within_the_hour(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    admin = people["admin"]
    soon = create(client, admin, priority="critical")
    create(client, admin, customer_email="later@example.com")
    now = clock.now()
    with runtime.db.transaction(write=False) as session:
        found = session.execute(at_risk_query(now, now + timedelta(hours=1))).all()
    assert [case_id for case_id, _ in found] == [soon["id"]]


def test_a_desk_with_no_open_hours_is_refused(tmp_path: Path) -> None:
    desk = tmp_path / "closed"
    shutil.copytree(pack_path("starter"), desk)
    settings = (desk / "desk.yaml").read_text()
    start = settings.index("business_hours:")
    end = settings.index("holidays:")
    closed = "business_hours:\n" + "".join(
        f"  {day}: closed\n"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    (desk / "desk.yaml").write_text(settings[:start] + closed + "\n" + settings[end:])
    problems = [str(p) for p in check_desk(desk)]
    assert any("no open hours" in p and "desk.yaml" in p for p in problems), problems
