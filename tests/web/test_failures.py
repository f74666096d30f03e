"""Failures leave nothing behind: a database error half-way, oversized bodies, no tracebacks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, CaseEvent, Customer, CustomerIdentity
from tests.web.conftest import Persona


def _fail_routing_events(runtime: Runtime) -> None:
    """A real database trigger that aborts the third insert of a case creation."""
    with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            conn.execute(
                text(
                    "CREATE TRIGGER fail_routing BEFORE INSERT ON case_events "
                    "WHEN NEW.kind = 'routing' BEGIN SELECT RAISE(ABORT, 'injected'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION fail_routing() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER fail_routing BEFORE INSERT ON case_events FOR EACH ROW "
                    "WHEN (NEW.kind = 'routing') EXECUTE FUNCTION fail_routing()"
                )
            )


def _drop_trigger(runtime: Runtime) -> None:
    with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            conn.execute(text("DROP TRIGGER fail_routing"))
        else:
            conn.execute(text("DROP TRIGGER fail_routing ON case_events"))
            conn.execute(text("DROP FUNCTION fail_routing()"))


def _counts(runtime: Runtime) -> tuple[int, ...]:
    with runtime.db.transaction(write=False) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Customer, CustomerIdentity, Case, CaseEvent)
        )


def test_a_failure_half_way_through_creating_a_case_writes_nothing(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    before = _counts(runtime)
    _fail_routing_events(runtime)
    try:
        response = client.post(
            "/api/v1/cases",
            json={"customer_email": "new.person@example.com", "subject": "s", "body": "b"},
            headers=people["agent"].headers,
        )
    finally:
        _drop_trigger(runtime)
    assert response.status_code == 500
    problem = response.json()
    assert problem["title"] == "Internal error"
    assert "Traceback" not in response.text and "injected" not in response.text
    # The customer, identity, case and first two events were inserted before the failure:
    # all of them are gone.
    assert _counts(runtime) == before
    again = client.post(
        "/api/v1/cases",
        json={"customer_email": "new.person@example.com", "subject": "s", "body": "b"},
        headers=people["agent"].headers,
    )
    assert again.status_code == 201


def test_a_bad_order_in_a_batch_writes_no_order(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"].headers
    batch = {
        "orders": [
            {"external_ref": "A-1", "placed_at": "2026-11-01T00:00:00Z"},
            {"external_ref": "A-2", "placed_at": "2026-11-01T00:00:00Z", "partner": "ghost"},
        ]
    }
    response = client.put("/api/v1/orders", json=batch, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "orders", 1, "partner"]
    assert client.get("/api/v1/orders/A-1", headers=admin).status_code == 404
    naive = {"orders": [{"external_ref": "A-3", "placed_at": "2026-11-01T00:00:00"}]}
    assert client.put("/api/v1/orders", json=naive, headers=admin).status_code == 422
    twice = {"orders": [batch["orders"][0], batch["orders"][0]]}
    assert client.put("/api/v1/orders", json=twice, headers=admin).status_code == 422


def test_upsert_replaces_items_and_counts_updates(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"].headers
    order = {
        "external_ref": "B-1",
        "placed_at": "2026-11-01T00:00:00+01:00",
        "items": [
            {"sku": "a", "name": "A", "value": "10.00", "quantity": 2},
            {"sku": "b", "name": "B", "value": "5.25"},
        ],
    }
    assert (
        client.put("/api/v1/orders", json={"orders": [order]}, headers=admin).json()["created"] == 1
    )
    order["items"] = [{"sku": "c", "name": "C", "value": "1.00"}]
    assert client.put("/api/v1/orders", json={"orders": [order]}, headers=admin).json() == {
        "created": 0,
        "updated": 1,
    }
    stored = client.get("/api/v1/orders/B-1", headers=admin).json()
    assert [i["sku"] for i in stored["items"]] == ["c"]
    assert stored["total"] in ("1.00", 1.0, "1")
    assert stored["placed_at"].startswith("2026-10-31T23:00:00")


def test_oversized_body_is_413_and_writes_nothing(
    client: TestClient, people: dict[str, Persona]
) -> None:
    # The test runtime's attachment limit is 64 KiB, so the request limit is about 1.1 MB.
    huge = "x" * (2 * 1024 * 1024)
    response = client.post(
        "/api/v1/cases",
        json={"customer_email": "big@example.com", "subject": "s", "body": huge},
        headers=people["agent"].headers,
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    listed = client.get("/api/v1/cases", headers=people["admin"].headers).json()
    assert listed["items"] == []


def test_unknown_path_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "/docs" in response.json()["detail"]


def test_health_openapi_and_docs(client: TestClient, runtime: Runtime) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["desk_version"] == runtime.desk.version
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"]
    assert "/api/v1/cases/{case_id}/timeline" in spec["paths"]
    assert client.get("/docs").status_code == 200
