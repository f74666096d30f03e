"""Every new contact without a category passes triage before routing (issue 14): the desk's
model sets the category when it is sure, raises level-4 signals, and otherwise leaves the case
in the needs-triage queue with its top guesses on the timeline."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Persona


def create(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    body = {"customer_email": "ann@example.com", **fields}
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def triage_event(client: TestClient, who: Persona, case_id: int) -> dict[str, Any]:
    items = client.get(f"/api/v1/cases/{case_id}/timeline", headers=who.headers).json()["items"]
    (event,) = [e for e in items if e["kind"] == "triage"]
    result: dict[str, Any] = event
    return result


def test_a_chargeback_notice_goes_to_level_four_not_the_level_one_queue(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    case = create(
        client,
        admin,
        subject="Chargeback notice",
        body="I have filed a chargeback with my bank for order 1182; the dispute is open.",
    )
    assert case["signals"] == ["chargeback"]
    assert case["level"] == 4 and case["category"] == "chargebacks"
    event = triage_event(client, admin, case["id"])
    assert "chargeback" in event["body"]
    assert event["data"]["signals"][0]["slug"] == "chargeback"


def test_a_contact_triage_is_unsure_of_waits_in_needs_triage_with_its_top_guesses(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    case = create(client, admin, subject="hello", body="qwzx vbnm plok")
    assert case["category"] is None and case["level"] == 1
    assert "needs-triage" in case["tags"]
    event = triage_event(client, admin, case["id"])
    assert event["data"]["category"] is None


def test_a_category_given_by_the_door_is_not_second_guessed(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    case = create(
        client, admin, subject="Where is it", body="Where is my order?", category="order-status"
    )
    assert case["category"] == "order-status" and "needs-triage" not in case["tags"]
    items = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=admin.headers).json()
    assert not [e for e in items["items"] if e["kind"] == "triage"]
