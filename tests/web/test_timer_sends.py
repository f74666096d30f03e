"""Issue 10 item 3, live: a send a timer makes (no person wrote it) never answers the customer.
The case's first-response clock keeps running and the case stays new, whoever created it.

Starter desk plus one playbook that writes on a timer; real API and worker, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sopdesk.domain.clock import ManualClock
from sopdesk.runtime import Runtime
from tests.web.conftest import Persona
from tests.web.test_case_core import clocks, create, outbox, sla_worker, timeline

LATER = """\
playbook: later-word
title: Tell the customer after an hour that we are still looking
trigger:
  categories: [order-status]
steps:
  - id: wait-an-hour
    title: Give the team an hour first
    wait: {for: customer-reply, timeout: 1 hour}
    on_event: done
    on_timeout: still-looking
  - id: still-looking
    title: Tell the customer we are still on it
    send: {to: customer, macro: support-request-received}
    next: done
  - id: done
    end: {outcome: told}
"""


@pytest.fixture
def desk_dir(desk_dir: Path) -> Path:
    (desk_dir / "playbooks" / "later-word.yaml").write_text(LATER, encoding="utf-8")
    return desk_dir


def _told(client: TestClient, who: Persona, case_id: int) -> list[dict[str, Any]]:
    return [
        e
        for e in timeline(client, who, case_id)
        if e["kind"] == "message_out" and e["data"].get("macro") == "support-request-received"
    ]


def test_a_send_made_by_a_timer_leaves_the_first_response_clock_running(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, clock: ManualClock
) -> None:
    agent = people["agent"]
    case = create(client, agent, category="order-status")  # an agent's token opened it
    assert clocks(client, agent, case["id"])["first_response"]["state"] == "running"
    sent_before = len(outbox(runtime, "message.out"))
    told_before = len(_told(client, agent, case["id"]))
    clock.advance(timedelta(hours=1, minutes=1))
    result = sla_worker(runtime).tick()
    assert not result.retried and not result.dead
    sends = _told(client, agent, case["id"])
    assert len(outbox(runtime, "message.out")) > sent_before  # the timer's send was queued
    assert len(sends) == told_before + 1 and sends[-1]["data"]["origin"] == "automatic"
    first = clocks(client, agent, case["id"])["first_response"]
    assert first["state"] == "running"
    now = client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers).json()
    assert now["status"] == "new"
