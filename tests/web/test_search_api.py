"""GET /api/v1/search on SQLite and PostgreSQL: words, phrases, references, filters, access."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from sopdesk.domain.cases import CaseStatus
from sopdesk.domain.search import parse_query
from sopdesk.engine.search_pg import pg_text_cases
from sopdesk.runtime import Runtime
from tests.web.conftest import Persona


def _case(client: TestClient, admin: Persona, **fields: Any) -> dict[str, Any]:
    body = {"customer_email": "ann@example.com", "subject": "Question", "body": "Hello", **fields}
    response = client.post("/api/v1/cases", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _search(client: TestClient, who: Persona, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _assignee(client: TestClient, admin: Persona, case: dict[str, Any]) -> int | None:
    read = client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers).json()
    return read["assignee_id"]  # type: ignore[no-any-return]


def _ids(found: dict[str, Any]) -> list[int]:
    return [c["id"] for c in found["cases"]]


def _low(runtime: Runtime) -> str:
    return next(c.slug for c in runtime.desk.categories.values() if c.level == 1)


def _high(runtime: Runtime) -> str:
    return next(c.slug for c in runtime.desk.categories.values() if c.level == 4)


def test_words_and_phrases_find_messages_and_subjects_with_highlights(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    parcel = _case(client, admin, subject="Parcel never arrived", body="The courier left nothing.")
    box = _case(client, admin, subject="Box", body="The box arrived crushed and the lid torn")
    other = _case(client, admin, subject="Invoice", body="Please send me the invoice again")
    found = _search(client, admin, q="arrived")
    assert set(_ids(found)) == {parcel["id"], box["id"]}
    # Stemming: "crush" finds "crushed"; the snippet marks the word that matched.
    stemmed = _search(client, admin, q="crush")
    assert _ids(stemmed) == [box["id"]]
    hit = stemmed["cases"][0]
    assert hit["matched"] == "message"
    assert [p["text"] for p in hit["snippet"] if p["hit"]] == ["crushed"]
    # A phrase needs its words in order; the same words apart do not match.
    assert _ids(_search(client, admin, q='"lid torn"')) == [box["id"]]
    assert _ids(_search(client, admin, q='"torn lid"')) == []
    # Every word must match.
    assert _ids(_search(client, admin, q="invoice again")) == [other["id"]]
    assert _ids(_search(client, admin, q="invoice crushed")) == []


def test_references_find_cases_by_number_order_tracking_email_and_phone(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    order = {
        "external_ref": "ORD-7731",
        "customer_email": "buyer@example.com",
        "placed_at": "2026-11-01T00:00:00Z",
        "shipments": [{"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}],
    }
    assert client.put("/api/v1/orders", json={"orders": [order]}, headers=admin.headers).is_success
    made = client.post(
        "/api/v1/customers",
        json={"email": "Jo.Doe@gmail.com", "phone": "+49 30 1234567"},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    by_order = _case(client, admin, customer_email="buyer@example.com", order_ref="ORD-7731")
    by_person = _case(client, admin, customer_email="jo.doe@gmail.com", subject="Hi")
    unrelated = _case(client, admin, subject="Nothing to see")
    assert _ids(_search(client, admin, q=f"#{unrelated['id']}"))[0] == unrelated["id"]
    found = _search(client, admin, q="ord-7731")
    assert by_order["id"] in _ids(found)
    assert found["orders"][0]["external_ref"] == "ORD-7731"
    tracking = _search(client, admin, q="1Z999AA10123456784")
    assert _ids(tracking) == [by_order["id"]]
    assert tracking["orders"][0]["matched"] == "tracking number 1Z999AA10123456784"
    # As the carrier prints it: in groups, any case.
    for typed in ("1Z 999 AA1 0123 4567 84", "1z-999-aa1-0123456784"):
        grouped = _search(client, admin, q=typed)
        assert _ids(grouped) == [by_order["id"]], typed
        assert [o["external_ref"] for o in grouped["orders"]] == ["ORD-7731"], typed
    # The e-mail as the provider delivers it (dots and tags ignored by Gmail), any case.
    for typed in ("JODOE+shop@googlemail.com", "jo.doe@gmail.com"):
        hit = _search(client, admin, q=typed)
        assert by_person["id"] in _ids(hit), typed
        assert [c["email"] for c in hit["customers"]] == ["jo.doe@gmail.com"]
    # The phone in any form it is written.
    for typed in ("+49 30 1234567", "0049-30-1234567", "+49301234567"):
        hit = _search(client, admin, q=typed)
        assert by_person["id"] in _ids(hit), typed


def test_filters_narrow_the_cases(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    first = _case(client, admin, subject="Refund please", category=_low(runtime))
    second = _case(client, admin, subject="Refund now", category=_high(runtime))
    closed = client.patch(
        f"/api/v1/cases/{first['id']}",
        json={"status": CaseStatus.CLOSED.value, "reason": "done"},
        headers=admin.headers,
    )
    assert closed.is_success, closed.text
    assert set(_ids(_search(client, admin, q="refund"))) == {first["id"], second["id"]}
    assert _ids(_search(client, admin, q="refund", status="open")) == [second["id"]]
    assert _ids(_search(client, admin, q="refund", status="closed")) == [first["id"]]
    assert _ids(_search(client, admin, q="refund", level=4)) == [second["id"]]
    assert _ids(_search(client, admin, q="refund", category=_low(runtime))) == [first["id"]]
    assert _ids(_search(client, admin, q="refund", created_to="2026-11-22")) == []
    day = runtime.clock.now().date().isoformat()
    assert len(_ids(_search(client, admin, q="refund", created_from=day, created_to=day))) == 2
    for persona in ("agent", "senior", "admin"):
        me = people[persona].id
        mine = [c["id"] for c in (first, second) if _assignee(client, admin, c) == me]
        assert sorted(_ids(_search(client, admin, q="refund", assignee_id=me))) == sorted(mine)
    bad = client.get("/api/v1/search", params={"q": "x", "status": "nope"}, headers=admin.headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_an_agent_finds_only_the_cases_of_levels_they_see(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    low = _case(client, admin, subject="Chargeback question", category=_low(runtime))
    high = _case(client, admin, subject="Chargeback lawsuit", category=_high(runtime))
    assert set(_ids(_search(client, admin, q="chargeback"))) == {low["id"], high["id"]}
    assert _ids(_search(client, people["agent"], q="chargeback")) == [low["id"]]
    assert _ids(_search(client, people["agent"], q=f"#{high['id']}")) == []


def test_hostile_queries_change_nothing_and_answer(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    _case(client, admin, subject="Normal", body="<script>alert(1)</script> words")
    for q in ('"', "NEAR(a b)", "a OR b AND", "*", "-", "' OR 1=1 --", "((", "\\", "\u200b"):
        response = client.get("/api/v1/search", params={"q": q}, headers=admin.headers)
        assert response.status_code == 200, (q, response.text)
    found = _search(client, admin, q="words")
    assert found["cases"][0]["snippet"]


def test_repeated_searches_keep_their_results_and_restore_the_planner(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    """psycopg prepares a statement once it has run five times; the windowed scans ask for a
    plan of their own bounds each time (plan_cache_mode) and hand every planner setting back to
    the session's value, so the rest of the transaction plans as usual."""
    admin = people["admin"]
    made = [_case(client, admin, subject=f"Lamp {n}", body="The lamp flickers") for n in range(3)]
    expected = sorted((c["id"] for c in made), reverse=True)
    for _ in range(8):
        assert _ids(_search(client, admin, q="flickers")) == expected
    if runtime.db.is_sqlite:
        return  # the planner settings are PostgreSQL's
    names = ("enable_indexscan", "max_parallel_workers_per_gather", "plan_cache_mode")
    with runtime.db.transaction(write=False) as session:
        before = [session.execute(text(f"SHOW {name}")).scalar() for name in names]
        query = parse_query("flickers", None)
        for _ in range(8):
            found = pg_text_cases(session, query, [])
            assert [case_id for case_id, _, _ in found] == expected
        assert [session.execute(text(f"SHOW {name}")).scalar() for name in names] == before
