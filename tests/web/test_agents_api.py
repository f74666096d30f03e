"""Agents and tokens over the API: admins manage agents; everyone manages their own tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Persona


def test_admin_adds_an_agent_who_can_then_work(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"].headers
    created = client.post(
        "/api/v1/agents",
        json={"email": "New.Agent@Example.com", "name": "New", "level": 2, "roles": ["approver"]},
        headers=admin,
    )
    assert created.status_code == 201
    agent = created.json()
    assert agent["email"] == "new.agent@example.com"
    assert agent["roles"] == ["agent", "approver"]
    again = client.post(
        "/api/v1/agents", json={"email": "new.agent@example.com", "name": "Dup"}, headers=admin
    )
    assert again.status_code == 409
    token = client.post("/api/v1/tokens", json={"agent_id": agent["id"]}, headers=admin).json()
    assert token["secret"].startswith("sdk_")
    assert token["token"]["prefix"] == token["secret"][:10]
    theirs = {"Authorization": f"Bearer {token['secret']}"}
    assert client.get("/api/v1/agents", headers=theirs).status_code == 200


def test_agent_fields_are_validated(client: TestClient, people: dict[str, Persona]) -> None:
    admin = people["admin"].headers
    for body in (
        {"email": "x@example.com", "name": "X", "level": 5},
        {"email": "x@example.com", "name": "X", "roles": ["king"]},
        {"email": "x@example.com", "name": ""},
        {"email": "x@example.com", "name": "X", "password": "short"},
    ):
        response = client.post("/api/v1/agents", json=body, headers=admin)
        assert response.status_code == 422, body
    assert client.patch("/api/v1/agents/9999", json={"name": "Y"}, headers=admin).status_code == 404
    me = people["admin"].id
    selfish = client.patch(f"/api/v1/agents/{me}", json={"active": False}, headers=admin)
    assert selfish.status_code == 422
