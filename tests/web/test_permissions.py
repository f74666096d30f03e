"""Every API endpoint with every role: who gets through, who gets 401 or 403.

The table must list every /api/v1 route; a new route without a row fails the walk.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from sopdesk.store.models import CustomerLink
from tests.web.conftest import PERSONAS, Persona

ALL = set(PERSONAS)
STAFF_LISTS = {"admin", "lead", "approver"}
LEADS = {"admin", "lead"}


def _setup(client: TestClient, people: dict[str, Persona], runtime: Runtime) -> dict[str, Any]:
    """A level-1 case, a level-4 case and someone's token to aim the requests at."""
    admin = people["admin"].headers
    low = next(c.slug for c in runtime.desk.categories.values() if c.level == 1)
    high = next(c.slug for c in runtime.desk.categories.values() if c.level == 4)
    base = {"customer_email": "c@example.com", "subject": "s", "body": "b"}
    case = client.post("/api/v1/cases", json={**base, "category": low}, headers=admin).json()
    top = client.post("/api/v1/cases", json={**base, "category": high}, headers=admin).json()
    # Two more level-1 cases: one to link with the case, one to merge into it as a duplicate.
    related, duplicate = (
        client.post("/api/v1/cases", json={**base, "category": low}, headers=admin).json()["id"]
        for _ in range(2)
    )
    first_message = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=admin).json()
    message = next(e["id"] for e in first_message["items"] if e["kind"] == "message_in")
    order = {"external_ref": "R-1", "placed_at": "2026-11-01T00:00:00Z"}
    client.put("/api/v1/orders", json={"orders": [order]}, headers=admin)
    runs = [
        client.post(
            f"/api/v1/cases/{c['id']}/runs", json={"playbook": "critical-issue"}, headers=admin
        )
        for c in (case, top)
    ]
    opened = client.post("/api/v1/status/incidents", json=STATUS_INCIDENT, headers=admin).json()
    # The customer has no name, so each run's first reply waits as a draft (never "Hi ,").
    drafts = [
        client.get(f"/api/v1/cases/{c['id']}/drafts", headers=admin).json()[0]["id"]
        for c in (case, top)
    ]
    spare = [
        client.post(
            "/api/v1/customers", json={"email": f"spare{n}@example.com"}, headers=admin
        ).json()["id"]
        for n in range(4)
    ]
    merge = client.post(
        f"/api/v1/customers/{spare[0]}/merge",
        json={"other_id": spare[1], "reason": "walk"},
        headers=admin,
    ).json()["history"][0]["id"]
    with runtime.db.transaction() as session:
        session.add(
            CustomerLink(
                customer_id=case["customer_id"],
                linked_id=spare[2],
                reason="walk",
                created_at=runtime.clock.now(),
            )
        )
    chat = client.post("/api/v1/bot/conversations", json={"email": "walk@example.com"}).json()
    return {
        "draft": drafts[0],
        "top_draft": drafts[1],
        "other": spare[2],
        "erasable": spare[3],
        "merge": merge,
        "chat": chat["token"],
        "incident": opened["id"],
        "case": case["id"],
        "top": top["id"],
        "related": related,
        "duplicate": duplicate,
        "message": message,
        "customer": case["customer_id"],
        "run": runs[0].json()["id"],
        "top_run": runs[1].json()["id"],
    }


def _rows(ids: dict[str, Any], people: dict[str, Persona]) -> list[tuple[str, str, Any, set[str]]]:
    """(method, path, json body, personas allowed). Everyone else must get 403."""
    case, top, customer = ids["case"], ids["top"], ids["customer"]
    incident = f"/api/v1/status/incidents/{ids['incident']}"
    chat = f"/api/v1/bot/conversations/{ids['chat']}"
    order = {"orders": [{"external_ref": "R-1", "placed_at": "2026-11-01T00:00:00Z", "items": []}]}
    return [
        (
            "POST",
            "/api/v1/cases",
            {"customer_email": "x@example.com", "subject": "s", "body": "b"},
            ALL,
        ),
        ("GET", "/api/v1/cases", None, ALL),
        ("GET", f"/api/v1/cases/{case}", None, ALL),
        ("GET", f"/api/v1/cases/{top}", None, {"admin", "lead"}),
        ("GET", f"/api/v1/cases/{case}/timeline", None, ALL),
        ("GET", f"/api/v1/cases/{top}/timeline", None, {"admin", "lead"}),
        ("PATCH", f"/api/v1/cases/{case}", {"priority": "high"}, ALL),
        ("PATCH", f"/api/v1/cases/{top}", {"priority": "high"}, {"admin", "lead"}),
        ("POST", f"/api/v1/cases/{case}/messages", {"kind": "note", "body": "n"}, ALL),
        ("POST", f"/api/v1/cases/{top}/messages", {"kind": "note", "body": "n"}, {"admin", "lead"}),
        ("PUT", f"/api/v1/cases/{case}/items", {"item_ids": []}, ALL),
        ("PUT", f"/api/v1/cases/{top}/items", {"item_ids": []}, {"admin", "lead"}),
        ("GET", f"/api/v1/cases/{case}/links", None, ALL),
        ("GET", f"/api/v1/cases/{top}/links", None, LEADS),
        ("POST", f"/api/v1/cases/{top}/links", {"other_id": ids["related"]}, LEADS),
        ("POST", f"/api/v1/cases/{case}/links", {"other_id": ids["related"]}, ALL),
        ("POST", f"/api/v1/cases/{case}/merge", {"duplicate_id": ids["duplicate"]}, ALL),
        ("POST", f"/api/v1/cases/{case}/split", {"event_id": ids["message"], "subject": "s"}, ALL),
        ("GET", f"/api/v1/cases/{case}/customer-history", None, ALL),
        ("GET", f"/api/v1/cases/{top}/customer-history", None, {"admin", "lead"}),
        ("GET", f"/api/v1/cases/{case}/sla", None, ALL),
        ("GET", f"/api/v1/cases/{top}/sla", None, {"admin", "lead"}),
        # Each persona moves the level-4 case down to 3 (or is refused); a repeat would be a 422.
        ("POST", f"/api/v1/cases/{top}/escalate", {"level": 3, "reason": "r"}, {"admin", "lead"}),
        ("POST", f"/api/v1/cases/{case}/customer-links/revoke", {}, ALL),
        ("POST", f"/api/v1/cases/{top}/customer-links/revoke", {}, {"admin", "lead"}),
        ("POST", "/api/v1/customers", {"email": "new@example.com"}, ALL),
        ("GET", "/api/v1/customers", None, ALL),
        ("GET", f"/api/v1/customers/{customer}", None, ALL),
        ("GET", "/api/v1/search?q=parcel", None, ALL),
        ("GET", f"/api/v1/customers/{customer}/record", None, ALL),
        (
            "POST",
            f"/api/v1/customers/{customer}/unlink",
            {"other_id": ids["other"], "reason": "r"},
            ALL,
        ),
        ("POST", f"/api/v1/customers/merges/{ids['merge']}/undo", None, ALL),
        (
            "POST",
            f"/api/v1/customers/{customer}/merge",
            {"other_id": ids["other"], "reason": "r"},
            ALL,
        ),
        ("PUT", "/api/v1/orders", order, {"admin"}),
        ("GET", "/api/v1/orders/R-1", None, ALL),
        ("GET", "/api/v1/agents", None, STAFF_LISTS),
        ("POST", "/api/v1/agents", {"email": "n@example.com", "name": "N"}, {"admin"}),
        ("PATCH", f"/api/v1/agents/{people['agent'].id}", {"name": "Renamed"}, {"admin"}),
        ("POST", "/api/v1/tokens", {"agent_id": people["agent"].id}, {"admin", "agent"}),
        ("GET", "/api/v1/tokens", None, ALL),
        ("DELETE", "/api/v1/tokens/{own_token}", None, ALL),
        ("GET", "/api/v1/taxonomy", None, ALL),
        ("POST", "/api/v1/partners", {"slug": "walk-shop", "name": "Walk Shop"}, {"admin"}),
        ("POST", "/api/v1/partners/walk-shop/users", {"email": "w@walk.example"}, {"admin"}),
        ("POST", f"/api/v1/cases/{case}/runs", {"playbook": "lost-stolen-package"}, ALL),
        ("GET", f"/api/v1/cases/{case}/runs", None, ALL),
        ("GET", f"/api/v1/cases/{top}/runs", None, {"admin", "lead"}),
        ("GET", f"/api/v1/runs/{ids['run']}", None, ALL),
        ("GET", f"/api/v1/runs/{ids['top_run']}", None, {"admin", "lead"}),
        ("POST", f"/api/v1/runs/{ids['run']}/events", {"type": "tick", "item": 0}, ALL),
        ("POST", f"/api/v1/runs/{ids['top_run']}/events", {"type": "tick", "item": 0}, LEADS),
        ("POST", f"/api/v1/runs/{ids['run']}/stop", {"reason": "done"}, ALL),
        ("GET", f"/api/v1/cases/{case}/drafts", None, ALL),
        ("GET", f"/api/v1/cases/{top}/drafts", None, LEADS),
        ("POST", f"/api/v1/drafts/{ids['draft']}", DISCARD, ALL),
        ("POST", f"/api/v1/drafts/{ids['top_draft']}", DISCARD, LEADS),
        ("POST", "/api/v1/inbound/email", RAW_MAIL, {"admin"}),
        ("GET", "/api/v1/status", None, ALL),
        ("POST", "/api/v1/status/incidents", STATUS_INCIDENT, LEADS),
        ("POST", f"{incident}/updates", {"phase": "identified", "body": "b"}, LEADS),
        ("POST", f"{incident}/cases", {"case_id": case}, ALL),
        ("POST", f"{incident}/resolve", {"body": "b"}, LEADS),
        ("POST", "/api/v1/status/maintenance", MAINTENANCE, LEADS),
        # The support bot is anonymous (rate-limited per client): everyone may ask.
        ("POST", "/api/v1/bot/ask", {"question": "How does support work?"}, ALL),
        ("POST", "/api/v1/bot/feedback", {"article": "how-support-works", "helpful": True}, ALL),
        # The chat widget's conversations: anonymous too, named by their secret token.
        ("POST", "/api/v1/bot/conversations", {}, ALL),
        ("GET", f"{chat}", None, ALL),
        ("POST", f"{chat}/messages", {"text": "How does support work?"}, ALL),
        ("POST", f"{chat}/feedback", {"helpful": True}, ALL),
        ("POST", f"{chat}/handoff", {"email": "walk@example.com"}, ALL),
        # Reports: agents of level 2 and up, leads and admins.
        ("GET", "/api/v1/reports", None, ALL - {"agent"}),
        ("GET", "/api/v1/reports/volume-category", None, ALL - {"agent"}),
        ("GET", "/api/v1/reports/payouts", None, ALL - {"agent"}),
        ("GET", f"/api/v1/customers/{customer}/export", None, ALL),
        ("POST", f"/api/v1/customers/{ids['erasable']}/erase", None, {"admin"}),
        ("GET", "/api/v1/callouts", None, ALL - {"agent"}),
        ("GET", f"/api/v1/cases/{case}/proof", None, ALL),
        ("GET", f"/api/v1/cases/{top}/proof", None, {"admin", "lead"}),
        ("GET", "/api/v1/proof", None, LEADS),
    ]


# Routes that answer without a token by design (the public bot and its chat conversations);
# every other one needs one.
ANONYMOUS_PREFIXES = ("/api/v1/bot/",)


def test_anonymous_routes_answer_without_a_token(client: TestClient) -> None:
    asked = client.post("/api/v1/bot/ask", json={"question": "How does support work?"})
    assert asked.status_code == 200 and "handoff" in asked.json()


DISCARD = {"action": "discard", "reason": "answered by phone"}
STATUS_INCIDENT = {"title": "t", "body": "b", "components": {"api": "degraded"}}
MAINTENANCE = {
    "title": "m",
    "starts_at": "2026-12-01T00:00:00Z",
    "ends_at": "2026-12-01T01:00:00Z",
    "components": ["api"],
}


RAW_MAIL = (
    b"From: Walk Test <walk@example.com>\r\nTo: support@example.com\r\n"
    b"Subject: Where is my parcel?\r\nMessage-ID: <walk@example.com>\r\n\r\nHello\r\n"
)


def _send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    """JSON bodies as JSON; raw bytes (a MIME message) as the request body itself."""
    if isinstance(body, bytes):
        return client.request(method, path, content=body, headers=headers)
    return client.request(method, path, json=body, headers=headers)


def _template(path: str) -> str:
    parts = []
    for part in path.split("?")[0].split("/"):
        named = part.isdigit() or part.startswith("{")
        named = named or part in ("R-1", "volume-category", "walk-shop")
        named = named or (len(part) >= 32 and "." not in part)  # a chat's secret token
        parts.append("{id}" if named else part)
    return "/".join(parts)


def test_the_table_covers_every_api_route(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    ids = _setup(client, people, runtime)
    # The OpenAPI document lists every mounted route, however routers are nested.
    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), _template(path))
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    }
    assert ("POST", "/api/v1/cases") in routes and len(routes) > 20
    covered = {(m, _template(p)) for m, p, _, _ in _rows(ids, people)}
    assert routes - covered == set()


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_endpoint_with_every_role(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, persona: str
) -> None:
    ids = _setup(client, people, runtime)
    me = people[persona]
    own_token = client.get("/api/v1/tokens", headers=me.headers).json()[0]["id"]
    failures = []
    for method, path, body, allowed in _rows(ids, people):
        path = path.replace("{own_token}", str(own_token))
        if method == "DELETE":
            # Revoke a fresh token of one's own, so the persona keeps working afterwards.
            fresh = client.post("/api/v1/tokens", json={}, headers=me.headers).json()
            path = f"/api/v1/tokens/{fresh['token']['id']}"
        response = _send(client, method, path, body, me.headers)
        expected_ok = persona in allowed
        ok = response.status_code < 400
        if ok != expected_ok or (not ok and response.status_code != 403):
            failures.append(
                f"{persona} {method} {path}: {response.status_code} {response.text[:120]}"
            )
    assert failures == []


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
    client: TestClient, people: dict[str, Persona], runtime: Runtime, headers: dict[str, str]
) -> None:
    ids = _setup(client, people, runtime)
    for method, path, body, _ in _rows(ids, people):
        if path.startswith(ANONYMOUS_PREFIXES):
            continue
        path = path.replace("{own_token}", "1")
        response = _send(client, method, path, body, headers)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


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
