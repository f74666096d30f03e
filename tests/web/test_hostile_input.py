"""Hostile input gets a 4xx problem, never a 500: huge ids, NUL characters, header breaks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from sopdesk.domain.mail_threading import subject_with_tag
from sopdesk.domain.principal import Principal
from sopdesk.engine.customers import CreateCustomer, check_create_customer, do_create_customer
from sopdesk.errors import Conflict
from sopdesk.runtime import Runtime
from tests.web.conftest import Persona

HUGE = "99999999999999999999"

ID_URLS = [
    ("GET", f"/api/v1/cases/{HUGE}"),
    ("GET", f"/api/v1/cases/{HUGE}/timeline"),
    ("GET", f"/api/v1/cases/{HUGE}/sla"),
    ("GET", f"/api/v1/cases/{HUGE}/runs"),
    ("GET", f"/api/v1/cases/{HUGE}/customer-history"),
    ("GET", f"/api/v1/customers/{HUGE}"),
    ("GET", f"/api/v1/runs/{HUGE}"),
    ("GET", f"/api/v1/orders/{HUGE}"),
    ("GET", f"/api/v1/cases?assignee_id={HUGE}"),
    ("DELETE", f"/api/v1/tokens/{HUGE}"),
]


@pytest.mark.parametrize(("method", "url"), ID_URLS)
def test_ids_beyond_64_bits_are_a_problem(
    client: TestClient, people: dict[str, Persona], method: str, url: str
) -> None:
    response = client.request(method, url, headers=people["admin"].headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_nul_in_a_json_body_is_refused_and_changes_nothing(
    client: TestClient, people: dict[str, Persona]
) -> None:
    body = {"email": "nul@example.com", "name": "Nu\u0000ll"}
    response = client.post("/api/v1/customers", json=body, headers=people["admin"].headers)
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["detail"]
    found = client.get("/api/v1/customers?email=nul@example.com", headers=people["admin"].headers)
    assert found.json()["items"] == []


@pytest.mark.parametrize(
    "url", ["/api/v1/customers?email=a%00b@example.com", "/api/v1/orders/ref%00x"]
)
def test_a_nul_in_a_path_or_filter_is_refused(
    client: TestClient, people: dict[str, Persona], url: str
) -> None:
    response = client.get(url, headers=people["admin"].headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_an_escaped_backslash_before_u0000_is_not_a_nul(
    client: TestClient, people: dict[str, Persona]
) -> None:
    body = {"email": "slash@example.com", "name": "back\\u0000slash"}
    response = client.post("/api/v1/customers", json=body, headers=people["admin"].headers)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "back\\u0000slash"


def test_two_customers_with_an_empty_external_ref(
    client: TestClient, people: dict[str, Persona]
) -> None:
    for email in ("one@example.com", "two@example.com"):
        body = {"email": email, "external_ref": ""}
        response = client.post("/api/v1/customers", json=body, headers=people["admin"].headers)
        assert response.status_code == 201, response.text
        assert response.json()["external_ref"] is None


def test_a_customer_created_meanwhile_is_a_conflict(runtime: Runtime) -> None:
    """Both requests pass the check before either writes (what concurrent POSTs do)."""
    admin = Principal.system()
    command = CreateCustomer(email="race@example.com", name="Race")
    check_create_customer(runtime.db, admin, command)
    check_create_customer(runtime.db, admin, command)
    do_create_customer(runtime.db, runtime.clock.now(), command)
    with pytest.raises(Conflict, match="same moment"):
        do_create_customer(runtime.db, runtime.clock.now(), command)


def test_concurrent_creates_of_one_customer_give_one_201_and_409s(
    client: TestClient, people: dict[str, Persona]
) -> None:
    body = {"email": "many@example.com"}
    headers = people["admin"].headers
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(
                lambda _: client.post("/api/v1/customers", json=body, headers=headers), range(8)
            )
        )
    statuses = sorted(r.status_code for r in codes)
    assert statuses == [201] + [409] * 7, [r.text for r in codes]


def test_line_breaks_in_a_subject_are_cleaned_at_intake(
    client: TestClient, people: dict[str, Persona]
) -> None:
    body = {
        "customer_email": "crlf@example.com",
        "subject": "Refund\r\nBcc: victim@example.com\r\n\r\nbody",
        "body": "hello",
    }
    response = client.post("/api/v1/cases", json=body, headers=people["admin"].headers)
    assert response.status_code == 201, response.text
    assert response.json()["subject"] == "Refund Bcc: victim@example.com body"


def test_an_outgoing_subject_is_one_line_whatever_is_stored() -> None:
    assert subject_with_tag("Old\r\nBcc: x@example.com", 7) == "Old Bcc: x@example.com [#7]"
