"""POST /api/v1/cases for a caller: by customer_id, or by phone in any form the desk reads."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Persona


def _case(client: TestClient, headers: dict[str, str], **who: object) -> object:
    body = {"subject": "Parcel stolen", "body": "Logged call.", "channel": "phone", **who}
    return client.post("/api/v1/cases", json=body, headers=headers)


def test_a_case_by_phone_creates_the_caller_then_finds_them_in_another_form(
    client: TestClient, people: dict[str, Persona]
) -> None:
    headers = people["agent"].headers
    first = _case(client, headers, customer_phone="+49 30 7654321", customer_name="Robin")
    assert first.status_code == 201, first.text
    again = _case(client, headers, customer_phone="030 7654321")
    assert again.status_code == 201, again.text
    assert again.json()["customer_id"] == first.json()["customer_id"]
    customer = client.get(f"/api/v1/customers/{first.json()['customer_id']}", headers=headers)
    assert customer.json()["email"] is None and customer.json()["phone"] == "+49307654321"
    timeline = client.get(f"/api/v1/cases/{first.json()['id']}/timeline", headers=headers)
    message = next(e for e in timeline.json()["items"] if e["kind"] == "message_in")
    assert message["channel"] == "phone" and message["data"]["from"] == "+49 30 7654321"


def test_a_case_for_a_chosen_customer(client: TestClient, people: dict[str, Persona]) -> None:
    headers = people["agent"].headers
    made = client.post(
        "/api/v1/customers", json={"email": "pat@example.com", "name": "Pat"}, headers=headers
    ).json()
    created = _case(client, headers, customer_id=made["id"])
    assert created.status_code == 201 and created.json()["customer_id"] == made["id"]


def test_a_case_without_a_customer_or_with_a_bad_one_is_refused(
    client: TestClient, people: dict[str, Persona]
) -> None:
    headers = people["agent"].headers
    nobody = _case(client, headers)
    assert nobody.status_code == 422 and "say who the customer is" in nobody.text
    unknown = _case(client, headers, customer_id=999_999)
    assert unknown.status_code == 422 and "no customer with id 999999" in unknown.text
    unreadable = _case(client, headers, customer_phone="1234")
    assert unreadable.status_code == 422 and "country code" in unreadable.text
    cases = client.get("/api/v1/cases", headers=headers).json()["items"]
    assert cases == []
