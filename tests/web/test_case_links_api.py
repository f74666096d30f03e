"""Issue 12 item 4 over the API: link related cases, merge a duplicate into its survivor, split a
customer's message off into a new case; bad input is a problem answer and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Persona

PROBLEM = "application/problem+json"


def _case(client: TestClient, who: Persona, subject: str, email: str = "kim@example.com") -> int:
    contact = {"customer_email": email, "subject": subject, "body": f"About {subject}"}
    response = client.post("/api/v1/cases", json=contact, headers=who.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _timeline(client: TestClient, who: Persona, case_id: int) -> list[dict[str, Any]]:
    page = client.get(f"/api/v1/cases/{case_id}/timeline", headers=who.headers).json()
    return list(page["items"])


def _links(client: TestClient, who: Persona, case_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cases/{case_id}/links", headers=who.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_link_related_cases(client: TestClient, people: dict[str, Persona]) -> None:
    agent = people["agent"]
    first, second = _case(client, agent, "parcel one"), _case(client, agent, "parcel two")
    body = {"other_id": second, "reason": "same shipment"}
    response = client.post(f"/api/v1/cases/{first}/links", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    assert response.json() == [{"other_id": second, "kind": "related", "reason": "same shipment"}]
    assert _links(client, agent, second) == [
        {"other_id": first, "kind": "related", "reason": "same shipment"}
    ]
    notes = [e["body"] for e in _timeline(client, agent, second) if e["kind"] == "note"]
    assert f"Linked to case #{first}: same shipment" in notes
    again = client.post(f"/api/v1/cases/{first}/links", json=body, headers=agent.headers)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert len(_links(client, agent, first)) == 1


def test_bad_links_are_problems_and_change_nothing(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    case = _case(client, agent, "parcel")
    url = f"/api/v1/cases/{case}/links"
    before = len(_timeline(client, agent, case))
    for body, status in [
        ({"other_id": case}, 422),  # itself
        ({"other_id": 987654}, 422),  # no such case
        ({"other_id": 0}, 422),
        ({"other_id": "two"}, 422),
        ({}, 422),
        ({"other_id": case + 1, "reason": "x" * 501}, 422),
    ]:
        response = client.post(url, json=body, headers=agent.headers)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"]
    unknown = client.post(
        "/api/v1/cases/987654/links", json={"other_id": case}, headers=agent.headers
    )
    assert unknown.status_code == 404
    assert _links(client, agent, case) == []
    assert len(_timeline(client, agent, case)) == before


def test_merge_a_duplicate_into_its_survivor(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    survivor, duplicate = _case(client, agent, "card missing"), _case(client, agent, "card gone")
    body = {"duplicate_id": duplicate, "reason": "same card"}
    response = client.post(f"/api/v1/cases/{survivor}/merge", json=body, headers=agent.headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == survivor
    gone = client.get(f"/api/v1/cases/{duplicate}", headers=agent.headers).json()
    assert gone["status"] == "closed"
    assert _links(client, agent, duplicate) == [
        {"other_id": survivor, "kind": "merged-into", "reason": "same card"}
    ]
    assert _links(client, agent, survivor) == [
        {"other_id": duplicate, "kind": "merged-from", "reason": "same card"}
    ]
    # Merging it again, or merging the survivor into the closed duplicate, is a conflict.
    again = client.post(f"/api/v1/cases/{survivor}/merge", json=body, headers=agent.headers)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    back = client.post(
        f"/api/v1/cases/{duplicate}/merge", json={"duplicate_id": survivor}, headers=agent.headers
    )
    assert back.status_code == 409
    itself = client.post(
        f"/api/v1/cases/{survivor}/merge", json={"duplicate_id": survivor}, headers=agent.headers
    )
    assert itself.status_code == 422
    assert client.get(f"/api/v1/cases/{survivor}", headers=agent.headers).json()["status"] != (
        "closed"
    )


def test_a_level_one_agent_cannot_merge_a_case_above_their_level(
    client: TestClient, people: dict[str, Persona], runtime: Any
) -> None:
    admin, agent = people["admin"], people["agent"]
    high = next(c.slug for c in runtime.desk.categories.values() if c.level == 4)
    contact = {"customer_email": "kim@example.com", "subject": "s", "body": "b", "category": high}
    top = client.post("/api/v1/cases", json=contact, headers=admin.headers).json()["id"]
    mine = _case(client, agent, "parcel")
    response = client.post(
        f"/api/v1/cases/{mine}/merge", json={"duplicate_id": top}, headers=agent.headers
    )
    assert response.status_code in (403, 404)
    assert client.get(f"/api/v1/cases/{top}", headers=admin.headers).json()["status"] != "closed"


def test_split_a_message_into_a_new_case(client: TestClient, people: dict[str, Persona]) -> None:
    agent = people["agent"]
    case = _case(client, agent, "card missing")
    logged = client.post(
        f"/api/v1/cases/{case}/messages",
        json={"kind": "inbound", "body": "Also: my address changed to 5 Elm St."},
        headers=agent.headers,
    )
    assert logged.status_code == 201, logged.text
    event_id = logged.json()["id"]
    body = {"event_id": event_id, "subject": "Address change"}
    response = client.post(f"/api/v1/cases/{case}/split", json=body, headers=agent.headers)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["subject"] == "Address change" and new["id"] != case
    old = client.get(f"/api/v1/cases/{case}", headers=agent.headers).json()
    assert new["customer_id"] == old["customer_id"]
    first = [e for e in _timeline(client, agent, new["id"]) if e["kind"] == "message_in"]
    assert first[0]["body"] == "Also: my address changed to 5 Elm St."
    assert _links(client, agent, new["id"]) == [
        {"other_id": case, "kind": "split-from", "reason": f"message {event_id}"}
    ]


def test_bad_splits_are_problems_and_change_nothing(
    client: TestClient, people: dict[str, Persona]
) -> None:
    agent = people["agent"]
    case, other = _case(client, agent, "card"), _case(client, agent, "other")
    note = client.post(
        f"/api/v1/cases/{case}/messages", json={"kind": "note", "body": "n"}, headers=agent.headers
    ).json()["id"]
    theirs = next(e["id"] for e in _timeline(client, agent, other) if e["kind"] == "message_in")
    before = client.get("/api/v1/cases", headers=agent.headers).json()["items"]
    for body in [
        {"event_id": note, "subject": "x"},  # a note, not a customer's message
        {"event_id": theirs, "subject": "x"},  # another case's message
        {"event_id": 987654, "subject": "x"},
        {"event_id": theirs, "subject": ""},
        {"subject": "x"},
    ]:
        response = client.post(f"/api/v1/cases/{case}/split", json=body, headers=agent.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == PROBLEM
    after = client.get("/api/v1/cases", headers=agent.headers).json()["items"]
    assert len(after) == len(before)


def test_the_new_routes_declare_their_problems(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases/{case_id}/links",
        "/api/v1/cases/{case_id}/merge",
        "/api/v1/cases/{case_id}/split",
    ):
        responses = paths[path]["post"]["responses"]
        for code in ("401", "403", "404", "409", "422"):
            assert list(responses[code]["content"]) == [PROBLEM], (path, code)
