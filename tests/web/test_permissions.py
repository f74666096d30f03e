"""API tokens: who gets 401 (no token, a wrong one, a revoked one, an inactive agent's), whose
tokens one sees and revokes, and how they are stored.

Who may use each endpoint is walked in tests/web/test_permission_matrix.py, generated from
sopdesk.domain.policy.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from sopdesk.web.permissions import route_permissions
from tests.web.conftest import Persona


def test_anonymous_routes_answer_without_a_token(client: TestClient) -> None:
    asked = client.post("/api/v1/bot/ask", json={"question": "How does support work?"})
    assert asked.status_code == 200 and "handoff" in asked.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sdk_not-a-real-token"},
        {"Authorization": "Bearer something-else"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ],
)
def test_missing_or_wrong_token_is_401_on_every_route(
    client: TestClient, headers: dict[str, str]
) -> None:
    """Every API route that is not public, whatever its body: the token is checked first."""
    walked = 0
    for methods, path, found in route_permissions(client.app):  # type: ignore[arg-type]
        if not path.startswith("/api/") or found is None or found.public:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in methods.split(", "):
            response = client.request(method, url, headers=headers)
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"] == "Bearer"
            walked += 1
    assert walked > 40


def test_revoked_token_and_inactive_agent_are_401(
    client: TestClient, people: dict[str, Persona]
) -> None:
    me = people["agent"]
    fresh = client.post("/api/v1/tokens", json={"name": "ci"}, headers=me.headers).json()
    spare = {"Authorization": f"Bearer {fresh['secret']}"}
    assert client.get("/api/v1/cases", headers=spare).status_code == 200
    assert (
        client.delete(f"/api/v1/tokens/{fresh['token']['id']}", headers=me.headers).status_code
        == 200
    )
    assert client.get("/api/v1/cases", headers=spare).status_code == 401
    deactivate = client.patch(
        f"/api/v1/agents/{me.id}", json={"active": False}, headers=people["admin"].headers
    )
    assert deactivate.json()["active"] is False
    assert client.get("/api/v1/cases", headers=me.headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked_or_seen(
    client: TestClient, people: dict[str, Persona]
) -> None:
    theirs = client.get("/api/v1/tokens", headers=people["lead"].headers).json()[0]["id"]
    mine = client.get("/api/v1/tokens", headers=people["agent"].headers).json()
    assert theirs not in [t["id"] for t in mine]
    response = client.delete(f"/api/v1/tokens/{theirs}", headers=people["agent"].headers)
    assert response.status_code == 404
    assert client.get("/api/v1/cases", headers=people["lead"].headers).status_code == 200


def test_tokens_are_stored_hashed(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    from sqlalchemy import select

    from sopdesk.store.models import ApiToken

    with runtime.db.transaction(write=False) as session:
        stored = list(session.scalars(select(ApiToken.token_hash)))
    secrets = [p.token for p in people.values()]
    assert stored and not any(secret in stored for secret in secrets)
    assert all(len(h) == 64 for h in stored)
