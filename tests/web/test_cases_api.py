"""The cases API: create from a contact, read, list with cursors, timeline, changes, messages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from tests.web.conftest import Persona


def contact(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_email": "Ann.Buyer@Example.com",
        "customer_name": "Ann Buyer",
        "subject": "Where is my order?",
        "body": "I ordered a week ago and nothing arrived.",
        "channel": "email",
    }
    body.update(overrides)
    return body


def category_at(runtime: Runtime, level: int) -> str:
    return next(c.slug for c in runtime.desk.categories.values() if c.level == level)


def test_create_case_routes_to_the_owning_level(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    slug = category_at(runtime, 3)
    response = client.post(
        "/api/v1/cases", json=contact(category=slug), headers=people["agent"].headers
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["level"] == 3
    assert case["category"] == slug
    assert case["status"] == "new"
    assert case["desk_version"] == runtime.desk.version
    # The creating level-1 agent may not open it, a level-3 agent may.
    assert (
        client.get(f"/api/v1/cases/{case['id']}", headers=people["agent"].headers).status_code
        == 403
    )
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=people["senior"].headers)
    assert seen.status_code == 200
    assert seen.json()["subject"] == "Where is my order?"


def test_routing_is_explained_on_the_timeline(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    slug = category_at(runtime, 1)
    case = client.post(
        "/api/v1/cases", json=contact(category=slug), headers=people["agent"].headers
    ).json()
    timeline = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=people["agent"].headers)
    assert timeline.status_code == 200
    kinds = [e["kind"] for e in timeline.json()["items"]]
    assert kinds == ["case_created", "message_in", "routing", "sla_event"]
    routing = timeline.json()["items"][2]
    assert f"category '{slug}' is owned by level 1" in routing["body"]
    assert timeline.json()["items"][1]["body"] == "I ordered a week ago and nothing arrived."


def test_same_customer_email_in_any_case_is_one_customer(
    client: TestClient, people: dict[str, Persona]
) -> None:
    h = people["agent"].headers
    first = client.post("/api/v1/cases", json=contact(), headers=h).json()
    second = client.post(
        "/api/v1/cases", json=contact(customer_email="ann.buyer@example.COM"), headers=h
    ).json()
    assert first["customer_id"] == second["customer_id"]
    found = client.get("/api/v1/customers", params={"email": "ANN.BUYER@example.com"}, headers=h)
    assert [c["id"] for c in found.json()["items"]] == [first["customer_id"]]


def test_invalid_body_names_the_field_and_reason(
    client: TestClient, people: dict[str, Persona]
) -> None:
    body = contact(customer_email="not-an-address")
    del body["subject"]
    response = client.post("/api/v1/cases", json=body, headers=people["agent"].headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    fields = {tuple(e["loc"]) for e in problem["errors"]}
    assert ("body", "subject") in fields
    assert ("body", "customer_email") in fields
    assert "subject" in problem["detail"]


def test_unknown_category_is_refused_and_nothing_is_written(
    client: TestClient, people: dict[str, Persona]
) -> None:
    h = people["admin"].headers
    response = client.post("/api/v1/cases", json=contact(category="no-such-thing"), headers=h)
    assert response.status_code == 422
    assert "no-such-thing" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["body", "category"]
    assert client.get("/api/v1/cases", headers=h).json()["items"] == []
    assert client.get("/api/v1/customers", headers=h).json()["items"] == []


def test_blank_text_and_unknown_channel_are_refused(
    client: TestClient, people: dict[str, Persona]
) -> None:
    h = people["agent"].headers
    assert client.post("/api/v1/cases", json=contact(body="   "), headers=h).status_code == 422
    assert (
        client.post("/api/v1/cases", json=contact(channel="pigeon"), headers=h).status_code == 422
    )
    assert client.post("/api/v1/cases", content=b"{not json", headers=h).status_code == 422


def test_unknown_ids_are_404(client: TestClient, people: dict[str, Persona]) -> None:
    h = people["admin"].headers
    for path in ("/api/v1/cases/999999", "/api/v1/cases/999999/timeline", "/api/v1/customers/42"):
        response = client.get(path, headers=h)
        assert response.status_code == 404, path
        assert "999999" in response.json()["detail"] or "42" in response.json()["detail"]
    assert (
        client.patch("/api/v1/cases/999999", json={"priority": "high"}, headers=h).status_code
        == 404
    )
    assert client.get("/api/v1/orders/NOPE-1", headers=h).status_code == 404


def test_pages_walk_every_case_once(client: TestClient, people: dict[str, Persona]) -> None:
    h = people["admin"].headers
    ids = [
        client.post("/api/v1/cases", json=contact(subject=f"case {i}"), headers=h).json()["id"]
        for i in range(7)
    ]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/cases", params=params, headers=h).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(ids, reverse=True)


def test_priority_sort_pages_by_priority_then_age(
    client: TestClient, people: dict[str, Persona]
) -> None:
    h = people["admin"].headers
    made = {}
    for i, priority in enumerate(["low", "critical", "normal", "critical", "high"]):
        made[i] = client.post(
            "/api/v1/cases", json=contact(subject=f"p{i}", priority=priority), headers=h
        ).json()["id"]
    order: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "sort": "priority"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/cases", params=params, headers=h).json()
        order += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert order == [made[1], made[3], made[4], made[2], made[0]]


def test_filters_and_a_forged_cursor(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    h = people["admin"].headers
    slug = category_at(runtime, 2)
    a = client.post("/api/v1/cases", json=contact(category=slug), headers=h).json()
    client.post("/api/v1/cases", json=contact(), headers=h)
    by_category = client.get("/api/v1/cases", params={"category": slug}, headers=h).json()
    assert [c["id"] for c in by_category["items"]] == [a["id"]]
    by_level = client.get("/api/v1/cases", params={"level": 2}, headers=h).json()
    assert [c["id"] for c in by_level["items"]] == [a["id"]]
    bad = client.get("/api/v1/cases", params={"cursor": "!!garbage"}, headers=h)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]
    assert client.get("/api/v1/cases", params={"limit": 0}, headers=h).status_code == 422


def test_level_one_agent_lists_only_cases_of_their_level(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    h = people["admin"].headers
    low = client.post("/api/v1/cases", json=contact(category=category_at(runtime, 1)), headers=h)
    client.post("/api/v1/cases", json=contact(category=category_at(runtime, 4)), headers=h)
    listed = client.get("/api/v1/cases", headers=people["agent"].headers).json()["items"]
    assert [c["id"] for c in listed] == [low.json()["id"]]
    assert len(client.get("/api/v1/cases", headers=people["lead"].headers).json()["items"]) == 2


def test_changes_become_timeline_events_with_who_and_when(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    lead = people["lead"]
    case = client.post("/api/v1/cases", json=contact(), headers=lead.headers).json()
    column = runtime.desk.columns[0].slug
    response = client.patch(
        f"/api/v1/cases/{case['id']}",
        json={
            "priority": "high",
            "assignee_id": people["senior"].id,  # routing assigned the level-1 agent already
            "board_column": column,
            "tags": ["VIP", "vip", "dnr"],
            "reason": "customer called twice",
        },
        headers=lead.headers,
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["priority"] == "high"
    assert changed["assignee_id"] == people["senior"].id
    assert changed["tags"] == ["dnr", "vip"]
    events = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=lead.headers).json()
    changes = [e for e in events["items"] if e["kind"] == "field_change"]
    assert {e["data"]["field"] for e in changes} == {
        "priority",
        "assignee_id",
        "board_column",
        "tags",
    }
    assert all(e["actor_kind"] == "agent" and e["actor_id"] == lead.id for e in changes)
    assert all(e["body"] == "customer called twice" for e in changes)
    assert all(e["at"].startswith("2026-11-23T09:00:00") for e in changes)
    priority = next(e for e in changes if e["data"]["field"] == "priority")
    assert (priority["data"]["from"], priority["data"]["to"]) == ("normal", "high")


def test_bad_changes_are_refused(client: TestClient, people: dict[str, Persona]) -> None:
    h = people["lead"].headers
    case_id = client.post("/api/v1/cases", json=contact(), headers=h).json()["id"]
    path = f"/api/v1/cases/{case_id}"
    assert client.patch(path, json={}, headers=h).status_code == 422
    assert client.patch(path, json={"level": 9}, headers=h).status_code == 422
    assert client.patch(path, json={"status": None}, headers=h).status_code == 422
    assert client.patch(path, json={"board_column": "nowhere"}, headers=h).status_code == 422
    assert client.patch(path, json={"assignee_id": 424242}, headers=h).status_code == 422
    # Seed 002: clearing spam is a level-2 duty.
    spam = client.patch(path, json={"status": "spam"}, headers=people["agent"].headers)
    assert spam.status_code == 403
    assert client.patch(path, json={"status": "spam"}, headers=h).json()["status"] == "spam"
    kinds = [e["kind"] for e in client.get(f"{path}/timeline", headers=h).json()["items"]]
    assert kinds.count("field_change") == 1


def test_reply_note_and_call_are_recorded_and_a_reply_is_queued(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    from sqlalchemy import select

    from sopdesk.store.models import OutboxMessage

    h = people["agent"].headers
    case = client.post("/api/v1/cases", json=contact(), headers=h).json()
    path = f"/api/v1/cases/{case['id']}/messages"
    reply = client.post(path, json={"kind": "reply", "body": "We are on it."}, headers=h)
    assert reply.status_code == 201
    note = client.post(path, json={"kind": "note", "body": "Checked the carrier."}, headers=h)
    call = client.post(
        path, json={"kind": "call", "body": "Customer called.", "duration_seconds": 240}, headers=h
    )
    assert note.status_code == call.status_code == 201
    bad = client.post(path, json={"kind": "note", "body": "x", "duration_seconds": 3}, headers=h)
    assert bad.status_code == 422
    items = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=h).json()["items"]
    kinds = [e["kind"] for e in items if e["kind"] != "sla_event"]  # the reply stops a clock
    assert kinds[-4:] == ["message_out", "field_change", "note", "call"]
    assert items[-1]["data"] == {"duration_seconds": 240}
    assert items[-1]["channel"] == "phone"
    assert client.get(f"/api/v1/cases/{case['id']}", headers=h).json()["status"] == "open"
    with runtime.db.transaction(write=False) as session:
        queued = session.scalars(select(OutboxMessage)).all()
    assert [(m.kind, m.payload["event_id"]) for m in queued] == [
        ("message.out", reply.json()["id"])
    ]


def test_order_reference_links_the_order_and_its_shop(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    from sopdesk.store.models import Partner

    with runtime.db.transaction() as session:
        session.add(Partner(slug="shop-a", name="Shop A", created_at=runtime.clock.now()))
    admin = people["admin"].headers
    orders = {
        "orders": [
            {
                "external_ref": "ORD-1",
                "customer_email": "ann.buyer@example.com",
                "partner": "shop-a",
                "placed_at": "2026-11-01T10:00:00Z",
                "destination_country": "us",
                "items": [{"sku": "C-1", "name": "Rookie card", "value": "120.50"}],
                "shipments": [{"carrier": "UPS", "tracking_number": "1Z999"}],
            }
        ]
    }
    assert client.put("/api/v1/orders", json=orders, headers=admin).json() == {
        "created": 1,
        "updated": 0,
    }
    case = client.post(
        "/api/v1/cases", json=contact(order_ref="ORD-1"), headers=people["agent"].headers
    ).json()
    assert case["order_id"] is not None
    assert case["partner_id"] is not None
    unknown = client.post(
        "/api/v1/cases", json=contact(order_ref="ORD-404"), headers=people["agent"].headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "order_ref"]


def test_a_contact_names_a_customer_known_only_by_address(
    client: TestClient, people: dict[str, Persona]
) -> None:
    """An order import may know only the e-mail; the first contact that gives a name fills it,
    and a later contact with another spelling does not overwrite it."""
    admin = people["admin"].headers
    order = {"external_ref": "N-1", "customer_email": "ann.buyer@example.com"}
    order["placed_at"] = "2026-11-01T00:00:00Z"
    client.put("/api/v1/orders", json={"orders": [order]}, headers=admin)
    first = client.post("/api/v1/cases", json=contact(), headers=admin).json()
    again = client.post("/api/v1/cases", json=contact(customer_name="A. B."), headers=admin)
    customer = client.get(f"/api/v1/customers/{first['customer_id']}", headers=admin).json()
    assert again.json()["customer_id"] == first["customer_id"]
    assert customer["name"] == "Ann Buyer"
