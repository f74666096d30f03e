"""Issue 10 item 8: a playbook never mails a blank. A send whose macro needs a value the case
lacks, or a step the desk marks `review: true`, waits as a draft the agent edits and sends.

Starter desk (plus one review step), real API, SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage, Partner
from tests.web.conftest import Persona

REVIEWED = """\
playbook: reviewed-reply
title: A reply a person reads first
trigger:
  categories: [order-status]
steps:
  - id: answer
    title: Tell the customer where the order stands
    send: {to: customer, macro: support-request-received, review: true}
    next: done
  - id: done
    end: {outcome: answered}
"""


@pytest.fixture
def desk_dir(desk_dir: Path) -> Path:
    (desk_dir / "playbooks" / "reviewed-reply.yaml").write_text(REVIEWED, encoding="utf-8")
    return desk_dir


def create(client: TestClient, who: Persona, **fields: Any) -> int:
    body = {
        "customer_email": "ann@example.com",
        "customer_name": "Ann Example",
        "subject": "Where is my order?",
        "body": "It has not arrived.",
        **fields,
    }
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def drafts(client: TestClient, who: Persona, case_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cases/{case_id}/drafts", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def messages_out(runtime: Runtime, case_id: int) -> list[OutboxMessage]:
    with runtime.db.transaction(write=False) as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.case_id == case_id, OutboxMessage.kind == "message.out"
            )
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_review_step_waits_as_a_draft_and_sends_what_the_agent_edited(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent = people["agent"]
    case_id = create(client, agent, category="order-status")
    before = len(messages_out(runtime, case_id))
    (draft,) = drafts(client, agent, case_id)
    assert draft["reason"] == "review" and draft["recipient"] == "customer"
    assert draft["status"] == "waiting" and draft["missing"] == []
    assert "Ann" in draft["body"]  # rendered from the case's facts, as the send would be
    edited = draft["body"] + "\nYour order left our warehouse yesterday."
    response = client.post(
        f"/api/v1/drafts/{draft['id']}",
        json={"action": "send", "body": edited},
        headers=agent.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "sent"
    rows = messages_out(runtime, case_id)
    assert len(rows) == before + 1
    assert rows[-1].payload["text"] == edited
    assert drafts(client, agent, case_id) == []
    # Deciding twice is refused and sends nothing more.
    again = client.post(
        f"/api/v1/drafts/{draft['id']}", json={"action": "send"}, headers=agent.headers
    )
    assert again.status_code == 409
    assert len(messages_out(runtime, case_id)) == before + 1


def test_a_missing_value_holds_the_send_with_a_gap_the_agent_must_fill(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent = people["agent"]
    # A missing-item case without an order: the shop's task mail needs the order and the item.
    case_id = create(client, agent, category="missing-item", subject="Card missing")
    (draft,) = drafts(client, agent, case_id)
    assert draft["reason"] == "missing-value"
    assert draft["missing"], draft
    assert "[[fill in:" in draft["body"] + draft["subject"]
    assert "{{" not in draft["body"]
    outbox_before = len(messages_out(runtime, case_id))
    refused = client.post(
        f"/api/v1/drafts/{draft['id']}", json={"action": "send"}, headers=agent.headers
    )
    assert refused.status_code == 422
    assert "Fill in" in refused.json()["detail"]
    assert len(messages_out(runtime, case_id)) == outbox_before
    assert drafts(client, agent, case_id)[0]["status"] == "waiting"
    # Discarding needs a reason; with one it is recorded on the timeline.
    no_reason = client.post(
        f"/api/v1/drafts/{draft['id']}", json={"action": "discard"}, headers=agent.headers
    )
    assert no_reason.status_code == 422
    done = client.post(
        f"/api/v1/drafts/{draft['id']}",
        json={"action": "discard", "reason": "I called the shop instead"},
        headers=agent.headers,
    )
    assert done.status_code == 200 and done.json()["status"] == "discarded"
    events = client.get(
        f"/api/v1/cases/{case_id}/timeline?limit=200", headers=agent.headers
    ).json()["items"]
    assert any("I called the shop instead" in (e.get("body") or "") for e in events)


def test_a_draft_is_only_for_those_who_may_change_its_case(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin, agent = people["admin"], people["agent"]
    case_id = create(client, admin, category="order-status")
    (draft,) = drafts(client, admin, case_id)
    moved = client.patch(f"/api/v1/cases/{case_id}", json={"level": 3}, headers=admin.headers)
    assert moved.status_code == 200, moved.text
    listed = client.get(f"/api/v1/cases/{case_id}/drafts", headers=agent.headers)
    assert listed.status_code in (403, 404)
    sent = client.post(
        f"/api/v1/drafts/{draft['id']}", json={"action": "send"}, headers=agent.headers
    )
    assert sent.status_code in (403, 404)
    unknown = client.post("/api/v1/drafts/987654", json={"action": "send"}, headers=admin.headers)
    assert unknown.status_code == 404


def test_choosing_the_item_fills_in_a_draft_held_for_it_and_still_sends_nothing(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin, agent = people["admin"], people["agent"]
    card = "2023 Prizm Victor Wembanyama Silver"
    with runtime.db.transaction() as session:
        now = runtime.clock.now()
        session.add(Partner(slug="shop-d", name="Shop D", email="shop@d.example", created_at=now))
    order = {
        "external_ref": "D-9",
        "customer_email": "ann@example.com",
        "partner": "shop-d",
        "placed_at": "2026-11-01T10:00:00Z",
        "currency": "EUR",
        "status": "delivered",
        "items": [
            {"sku": "TL-25", "name": "Toploaders (25 pack)", "value": "6.49"},
            {"sku": "PRZ-136", "name": card, "value": "120.00", "comp_value": "95.00"},
        ],
    }
    put = client.put("/api/v1/orders", json={"orders": [order]}, headers=admin.headers)
    assert put.status_code == 200, put.text
    # Two lines and none named: the mail about the item waits for the agent to choose it.
    case_id = create(
        client, agent, category="missing-item", order_ref="D-9", body="My parcel was short."
    )
    held = [d for d in drafts(client, agent, case_id) if "item" in " ".join(d["missing"])]
    assert held, drafts(client, agent, case_id)
    outbox_before = len(messages_out(runtime, case_id))
    lines = client.get("/api/v1/orders/D-9", headers=admin.headers).json()["items"]
    chosen = next(line["id"] for line in lines if line["name"] == card)
    response = client.put(
        f"/api/v1/cases/{case_id}/items", json={"item_ids": [chosen]}, headers=agent.headers
    )
    assert response.status_code == 200, response.text
    after = {d["id"]: d for d in drafts(client, agent, case_id)}
    for draft in held:
        filled = after[draft["id"]]
        assert filled["status"] == "waiting"
        assert not any("item" in name for name in filled["missing"]), filled
        assert card in filled["body"] + filled["subject"]
        assert "[[fill in: item" not in filled["body"]
    # Filled in, not sent: the agent still reads it first.
    assert len(messages_out(runtime, case_id)) == outbox_before
    events = client.get(
        f"/api/v1/cases/{case_id}/timeline?limit=200", headers=agent.headers
    ).json()["items"]
    assert [after[d["id"]]["missing"] for d in held] == [[] for _ in held]
    assert any("is filled in now" in (e.get("body") or "") for e in events)
