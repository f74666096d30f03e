"""The OpenAPI document tells the truth about errors: every operation declares the problem
answers it can give, as application/problem+json, and real answers have the Problem's shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sopdesk.web.openapi import PROBLEM_SCHEMA, PROBLEM_TYPE
from tests.web.conftest import Persona

WRITES = {"post", "put", "patch", "delete"}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/v1")
        for method, op in ops.items()
    ]


def test_every_operation_declares_its_problems(client: TestClient) -> None:
    missing = []
    for path, method, op in _operations(client):
        expected = {"404", "422"}
        if op.get("security"):
            expected |= {"401", "403"}
        if method in WRITES:
            expected |= {"409", "413"}
        if path.startswith("/api/v1/bot"):
            expected |= {"429"}
        for code in sorted(expected):
            content = op["responses"].get(code, {}).get("content", {})
            if list(content) != [PROBLEM_TYPE]:
                missing.append(f"{method.upper()} {path} {code}")
    assert missing == []


def test_operations_that_need_a_token_say_so(client: TestClient) -> None:
    """An operation answering 401 without a token must declare its security (and the 401)."""
    unsecured = []
    for path, method, op in _operations(client):
        if "{" in path or method != "get":
            continue
        if client.get(path).status_code == 401 and not op.get("security"):
            unsecured.append(path)
    assert unsecured == []


@pytest.mark.parametrize(
    ("method", "path", "body", "who", "status"),
    [
        ("GET", "/api/v1/cases/1", None, None, 401),
        ("GET", "/api/v1/agents", None, "agent", 403),
        ("GET", "/api/v1/cases/424242", None, "admin", 404),
        ("POST", "/api/v1/customers", {"email": "not an e-mail"}, "admin", 422),
    ],
)
def test_real_problems_have_the_declared_shape(
    client: TestClient,
    people: dict[str, Persona],
    method: str,
    path: str,
    body: Any,
    who: str | None,
    status: int,
) -> None:
    headers = people[who].headers if who else {}
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_TYPE
    document = response.json()
    assert set(PROBLEM_SCHEMA["required"]) <= set(document)
    assert set(document) <= set(PROBLEM_SCHEMA["properties"])
    assert document["status"] == status
