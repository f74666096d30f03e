"""Issue 10 item 7: the case knows its item. Named at intake from the message, set by an agent
(PUT /api/v1/cases/{id}/items, a timeline event), and read by macros and amounts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sopdesk.domain.facts import check_facts
from sopdesk.engine.macro_context import case_facts
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case
from tests.web.conftest import Persona

CARD = "2023 Prizm Victor Wembanyama Silver"


def _order(client: TestClient, admin: Persona, ref: str) -> None:
    orders = {
        "orders": [
            {
                "external_ref": ref,
                "customer_email": "sam@example.com",
                "placed_at": "2026-11-01T10:00:00Z",
                "currency": "EUR",
                "status": "delivered",
                "payment_methods": ["card"],
                "items": [
                    {"sku": "TL-25", "name": "Toploaders (25 pack)", "value": "6.49"},
                    {"sku": "PRZ-136", "name": CARD, "value": "120.00", "comp_value": "95.00"},
                ],
            }
        ]
    }
    assert client.put("/api/v1/orders", json=orders, headers=admin.headers).status_code == 200


def _case(client: TestClient, agent: Persona, ref: str, body: str) -> dict[str, Any]:
    contact = {
        "customer_email": "sam@example.com",
        "subject": "Missing from my break",
        "body": body,
        "order_ref": ref,
    }
    response = client.post("/api/v1/cases", json=contact, headers=agent.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _facts(runtime: Runtime, case_id: int) -> dict[str, Any]:
    with runtime.db.transaction(write=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case_facts(session, runtime.desk, case, runtime.clock.now())


def _item_events(client: TestClient, agent: Persona, case_id: int) -> list[dict[str, Any]]:
    timeline = client.get(f"/api/v1/cases/{case_id}/timeline", headers=agent.headers).json()
    return [e for e in timeline["items"] if (e.get("data") or {}).get("field") == "items"]


def test_the_message_names_the_card_and_the_facts_follow_it(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    _order(client, people["admin"], "B-1")
    case = _case(client, people["agent"], "B-1", "The Wembanyama Silver Prizm was not there.")
    facts = _facts(runtime, case["id"])
    check_facts(facts)  # the live desk's facts have exactly the documented model's names
    assert facts["item"]["name"] == CARD
    assert str(facts["item"]["comp_value"]) == "95.00"
    assert [i["name"] for i in facts["items"]] == [CARD]
    assert facts["order"]["status"] == "delivered" and facts["order"]["item_count"] == 2
    events = _item_events(client, people["agent"], case["id"])
    assert [e["data"]["to"] for e in events] == [CARD]
    assert events[0]["body"] == "named in the customer's message"


def test_with_several_lines_and_no_choice_the_item_is_unknown_not_the_first_line(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    _order(client, people["admin"], "B-2")
    case = _case(client, people["agent"], "B-2", "My package was not complete.")
    facts = _facts(runtime, case["id"])
    assert facts["item"] is None and facts["items"] == []
    assert _item_events(client, people["agent"], case["id"]) == []


def test_an_agent_sets_the_items_and_the_timeline_says_so(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    _order(client, people["admin"], "B-3")
    agent = people["agent"]
    case = _case(client, agent, "B-3", "My package was not complete.")
    order = client.get("/api/v1/orders/B-3", headers=people["admin"].headers).json()
    card = next(i["id"] for i in order["items"] if i["name"] == CARD)
    put = client.put(
        f"/api/v1/cases/{case['id']}/items",
        json={"item_ids": [card], "reason": "the customer said so on the phone"},
        headers=agent.headers,
    )
    assert put.status_code == 200, put.text
    assert [i["name"] for i in put.json()["items"]] == [CARD]
    assert str(_facts(runtime, case["id"])["item"]["comp_value"]) == "95.00"
    events = _item_events(client, agent, case["id"])
    assert [(e["data"]["from"], e["data"]["to"], e["body"]) for e in events] == [
        (None, CARD, "the customer said so on the phone")
    ]
    # The same choice again changes nothing and writes nothing.
    again = client.put(
        f"/api/v1/cases/{case['id']}/items", json={"item_ids": [card]}, headers=agent.headers
    )
    assert again.status_code == 200 and len(_item_events(client, agent, case["id"])) == 1


def test_an_item_of_another_order_is_refused_and_changes_nothing(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    _order(client, people["admin"], "B-4")
    _order(client, people["admin"], "B-5")
    agent = people["agent"]
    case = _case(client, agent, "B-4", "My package was not complete.")
    other = client.get("/api/v1/orders/B-5", headers=people["admin"].headers).json()
    response = client.put(
        f"/api/v1/cases/{case['id']}/items",
        json={"item_ids": [other["items"][1]["id"]]},
        headers=agent.headers,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "is not on the case's order" in response.json()["detail"]
    assert _item_events(client, agent, case["id"]) == []
    assert _facts(runtime, case["id"])["item"] is None


def test_importing_the_order_again_keeps_the_case_on_its_item(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    """A re-import (same external_ref) updates the lines it sends again in place: the case's
    item survives with the new values; a line not sent again is gone, a new one is added."""
    admin = people["admin"]
    _order(client, admin, "B-6")
    case = _case(client, people["agent"], "B-6", "The Wembanyama Silver Prizm was not there.")
    before = client.get("/api/v1/orders/B-6", headers=admin.headers).json()
    card_id = next(i["id"] for i in before["items"] if i["name"] == CARD)
    again = {
        "orders": [
            {
                "external_ref": "B-6",
                "customer_email": "sam@example.com",
                "placed_at": "2026-11-01T10:00:00Z",
                "currency": "EUR",
                "status": "delivered",
                "items": [
                    {"sku": "PRZ-136", "name": CARD, "value": "120.00", "comp_value": "99.00"},
                    {"sku": "SL-100", "name": "Penny sleeves (100)", "value": "2.99"},
                ],
            }
        ]
    }
    assert client.put("/api/v1/orders", json=again, headers=admin.headers).status_code == 200
    after = client.get("/api/v1/orders/B-6", headers=admin.headers).json()
    assert sorted(i["sku"] for i in after["items"]) == ["PRZ-136", "SL-100"]
    assert next(i["id"] for i in after["items"] if i["sku"] == "PRZ-136") == card_id
    facts = _facts(runtime, case["id"])
    assert facts["item"]["name"] == CARD and str(facts["item"]["comp_value"]) == "99.00"
    assert [i["name"] for i in facts["items"]] == [CARD]
