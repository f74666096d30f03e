"""Issue 12 item 3: an agent opening a case (POST /api/v1/cases, the console's New case) chooses
the order's item(s); the case knows them at once and the playbook that starts sees the item."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage
from tests.web.conftest import Persona
from tests.web.test_case_items_api import CARD, _facts, _item_events

PROBLEM = "application/problem+json"


def _shop_order(client: TestClient, admin: Persona, ref: str) -> dict[str, Any]:
    shop = {"slug": "harbor", "name": "Harbor Breaks", "email": "orders@harbor.example"}
    client.post("/api/v1/partners", json=shop, headers=admin.headers)
    orders = {
        "orders": [
            {
                "external_ref": ref,
                "customer_email": "sam@example.com",
                "customer_name": "Sam Lee",
                "partner": "harbor",
                "placed_at": "2026-11-01T10:00:00Z",
                "items": [
                    {"sku": "TL-25", "name": "Toploaders (25 pack)", "value": "6.49"},
                    {"sku": "PRZ-136", "name": CARD, "value": "120.00", "comp_value": "95.00"},
                ],
            }
        ]
    }
    assert client.put("/api/v1/orders", json=orders, headers=admin.headers).status_code == 200
    return dict(client.get(f"/api/v1/orders/{ref}", headers=admin.headers).json())


def _contact(ref: str | None, item_ids: list[Any]) -> dict[str, Any]:
    return {
        "customer_email": "sam@example.com",
        "subject": "Phone: a card is missing",
        "body": "Caller says one card was not in the package.",  # names no item
        "channel": "phone",
        "order_ref": ref,
        "category": "missing-item",
        "item_ids": item_ids,
    }


def test_the_chosen_item_is_the_cases_and_the_playbook_sees_it(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent = people["agent"]
    order = _shop_order(client, people["admin"], "N-1")
    card = next(i["id"] for i in order["items"] if i["name"] == CARD)
    response = client.post("/api/v1/cases", json=_contact("N-1", [card]), headers=agent.headers)
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    assert _facts(runtime, case_id)["item"]["name"] == CARD
    events = _item_events(client, agent, case_id)
    assert [(e["data"]["to"], e["body"], e["actor_kind"]) for e in events] == [
        (CARD, "chosen when the case was opened", "agent")
    ]
    # The missing-item playbook asked the shop about that very card.
    with runtime.db.transaction(write=False) as session:
        mails = [m.payload.get("text", "") for m in session.scalars(select(OutboxMessage))]
    assert any(f"a missing item: {CARD}" in text for text in mails), mails


def test_items_that_are_not_the_orders_are_refused_and_nothing_is_written(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    order = _shop_order(client, people["admin"], "N-2")
    card = order["items"][0]["id"]
    before = client.get("/api/v1/cases", headers=agent.headers).json()["items"]
    for body in (
        _contact("N-2", [987654]),  # not a line of the order
        _contact(None, [card]),  # items without an order
        _contact("N-2", ["two"]),
    ):
        response = client.post("/api/v1/cases", json=body, headers=agent.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert any("item_ids" in e["loc"] for e in response.json()["errors"])
    assert client.get("/api/v1/cases", headers=agent.headers).json()["items"] == before
