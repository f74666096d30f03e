"""The customer record over the API: identities, links, offenses, orders, cases; merge and
unmerge restore what was moved; unlink removes a wrong link. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from sopdesk.runtime import Runtime
from sopdesk.store.models import CustomerLink
from tests.web.conftest import Persona


def _customer(client: TestClient, admin: Persona, email: str, phone: str | None = None) -> int:
    body: dict[str, Any] = {"email": email, "name": email.split("@")[0]}
    if phone:
        body["phone"] = phone
    made = client.post("/api/v1/customers", json=body, headers=admin.headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _case(client: TestClient, admin: Persona, email: str, **fields: Any) -> int:
    body = {"customer_email": email, "subject": "Help", "body": "Hello", **fields}
    made = client.post("/api/v1/cases", json=body, headers=admin.headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _record(client: TestClient, who: Persona, customer_id: int) -> dict[str, Any]:
    read = client.get(f"/api/v1/customers/{customer_id}/record", headers=who.headers)
    assert read.status_code == 200, read.text
    return dict(read.json())


def test_the_record_shows_identities_orders_cases_and_hides_higher_levels(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    ann = _customer(client, admin, "ann@example.com", "+49 30 1234567")
    order = {
        "external_ref": "ANN-1",
        "customer_email": "ann@example.com",
        "placed_at": "2026-11-01T00:00:00Z",
        "shipments": [{"carrier": "DHL", "tracking_number": "JD0001"}],
    }
    assert client.put("/api/v1/orders", json={"orders": [order]}, headers=admin.headers).is_success
    high = next(c.slug for c in runtime.desk.categories.values() if c.level == 4)
    low = _case(client, admin, "ann@example.com", order_ref="ANN-1")
    top = _case(client, admin, "ann@example.com", category=high)
    record = _record(client, admin, ann)
    kinds = {(i["kind"], i["normalized"]) for i in record["identities"]}
    assert kinds == {("email", "ann@example.com"), ("phone", "+49301234567")}
    assert [o["external_ref"] for o in record["orders"]] == ["ANN-1"]
    assert record["orders"][0]["shipments"][0]["tracking_number"] == "JD0001"
    assert [c["id"] for c in record["cases"]] == [top, low]
    assert record["cases"][0]["status"]
    agent = _record(client, people["agent"], ann)
    assert [c["id"] for c in agent["cases"]] == [low] and agent["hidden_cases"] == 1


def test_merge_moves_everything_and_unmerge_restores_it(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    keep = _customer(client, admin, "keep@example.com")
    dup = _customer(client, admin, "dup@example.com", "+49 30 7654321")
    moved = _case(client, admin, "dup@example.com")
    merged = client.post(
        f"/api/v1/customers/{keep}/merge",
        json={"other_id": dup, "reason": "same person, two addresses"},
        headers=admin.headers,
    )
    assert merged.status_code == 200, merged.text
    record = merged.json()
    assert moved in [c["id"] for c in record["cases"]]
    assert {i["normalized"] for i in record["identities"]} == {
        "keep@example.com",
        "dup@example.com",
        "+49307654321",
    }
    timeline = client.get(f"/api/v1/cases/{moved}/timeline", headers=admin.headers).json()
    assert any("merged into customer" in (e["body"] or "") for e in timeline["items"])
    assert _record(client, admin, dup)["identities"] == []
    again = client.post(
        f"/api/v1/customers/{keep}/merge",
        json={"other_id": dup, "reason": "twice"},
        headers=admin.headers,
    )
    assert again.status_code == 409
    merge_id = next(h["id"] for h in record["history"] if h["kind"] == "merge")
    undone = client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=admin.headers)
    assert undone.status_code == 200, undone.text
    assert {i["normalized"] for i in undone.json()["identities"]} == {"keep@example.com"}
    restored = _record(client, admin, dup)
    assert {i["normalized"] for i in restored["identities"]} == {"dup@example.com", "+49307654321"}
    assert moved in [c["id"] for c in restored["cases"]]
    assert client.get(f"/api/v1/customers/{dup}", headers=admin.headers).json()["email"] == (
        "dup@example.com"
    )
    twice = client.post(f"/api/v1/customers/merges/{merge_id}/undo", headers=admin.headers)
    assert twice.status_code == 409
    itself = client.post(
        f"/api/v1/customers/{keep}/merge",
        json={"other_id": keep, "reason": "r"},
        headers=admin.headers,
    )
    assert itself.status_code == 422


def test_unlink_removes_a_wrong_link_and_its_reach(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    a = _customer(client, admin, "a@example.com")
    b = _customer(client, admin, "b@example.com")
    c = _customer(client, admin, "c@example.com")
    with runtime.db.transaction() as session:
        now = runtime.clock.now()
        session.execute(
            insert(CustomerLink),
            [
                {"customer_id": a, "linked_id": b, "reason": "same phone", "created_at": now},
                {"customer_id": b, "linked_id": c, "reason": "same address", "created_at": now},
            ],
        )
    linked = _record(client, admin, a)["linked"]
    assert [(x["customer_id"], x["via"]) for x in linked] == [(b, a), (c, b)]  # transitive
    wrong = client.post(
        f"/api/v1/customers/{a}/unlink",
        json={"other_id": c, "reason": "r"},
        headers=admin.headers,
    )
    assert wrong.status_code == 404  # reached through b: unlinked on b's page
    done = client.post(
        f"/api/v1/customers/{a}/unlink",
        json={"other_id": b, "reason": "different people"},
        headers=admin.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["linked"] == []
    assert done.json()["history"][0]["kind"] == "unlink"
