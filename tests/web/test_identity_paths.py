"""One normal form per identity on every path that stores one, and links followed through chains.

Issue 10: `+442079460958` from the API and `442079460958` from a CSV import must link; an
account linked to a linked account is the same customer, and the routing note says how.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.customers import ensure_customer, phone_region
from sopdesk.engine.imports import check_import_customers, do_import_customers, parse_customers
from sopdesk.engine.linked_accounts import linked_accounts
from sopdesk.runtime import Runtime
from sopdesk.store.models import Customer, CustomerIdentity, CustomerLink
from tests.web.conftest import Persona
from tests.web.test_routing_api import new_case, routing_note


def identities(runtime: Runtime, email: str) -> set[tuple[str, str]]:
    with runtime.db.transaction(write=False) as session:
        customer_id = session.scalar(select(Customer.id).where(Customer.email == email))
        return {
            (kind, normalized)
            for kind, normalized in session.execute(
                select(CustomerIdentity.kind, CustomerIdentity.normalized).where(
                    CustomerIdentity.customer_id == customer_id
                )
            )
        }


def import_csv(runtime: Runtime, tmp_path: Path, text: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    parsed = parse_customers(path, phone_region(runtime.desk))
    records = check_import_customers(runtime.db, Principal.system(), parsed, False)
    do_import_customers(runtime.db, runtime.clock.now(), records, phone_region(runtime.desk))


def test_a_phone_from_the_api_and_the_same_digits_from_a_csv_import_link(
    client: TestClient, people: dict[str, Persona], runtime: Runtime, tmp_path: Path
) -> None:
    admin = people["admin"]
    created = client.post(
        "/api/v1/customers",
        json={"email": "api@example.com", "phone": "+442079460958"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "+442079460958"
    import_csv(runtime, tmp_path, "email,phone\ncsv@example.com,442079460958\n")
    assert ("phone", "+442079460958") in identities(runtime, "csv@example.com")
    assert ("phone", "+442079460958") in identities(runtime, "api@example.com")

    first = new_case(client, admin, category="dnr", customer_email="api@example.com")
    second = new_case(client, admin, category="dnr", customer_email="csv@example.com")
    assert (second["level"], second["category"]) == (3, "multiple-dnr")
    note = routing_note(client, admin, second["id"])
    assert "same phone +442079460958" in note, note
    assert f"cases {first['id']}, this one" in note


def test_the_api_reads_a_national_number_in_the_desk_region_and_refuses_a_non_number(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    berlin = client.post(
        "/api/v1/customers",
        json={"email": "berlin@example.com", "phone": "030 1234567"},
        headers=admin.headers,
    )
    assert berlin.status_code == 201, berlin.text
    assert berlin.json()["phone"] == "+49301234567"  # the starter desk's holidays are German
    bad = client.post(
        "/api/v1/customers",
        json={"email": "bad@example.com", "phone": "call me"},
        headers=admin.headers,
    )
    assert bad.status_code == 422, bad.text
    assert "not a phone number" in bad.text
    listed = client.get("/api/v1/customers?email=bad@example.com", headers=admin.headers)
    assert listed.json()["items"] == []


def test_e_mail_intake_stores_the_provider_normal_form_and_keeps_the_mailbox(
    runtime: Runtime,
) -> None:
    with runtime.db.transaction() as session:
        ensure_customer(session, " J.Doe+Shop@GMail.com ", "Jo", runtime.clock.now())
    assert identities(runtime, "j.doe+shop@gmail.com") == {("email", "jdoe@gmail.com")}


def test_a_chain_of_links_is_one_customer_and_the_note_says_how_they_are_linked(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    for body in (
        {"email": "anna@example.com", "phone": "+49 151 12345678"},
        {"email": "annab@gmail.com", "phone": "0151 1234 5678"},  # same phone, read in DE
    ):
        response = client.post("/api/v1/customers", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
    ids = {
        c["email"]: c["id"]
        for c in client.get("/api/v1/customers", headers=admin.headers).json()["items"]
    }
    a, b = ids["anna@example.com"], ids["annab@gmail.com"]
    first = new_case(client, admin, category="dnr", customer_email="anna@example.com")
    # Gmail ignores dots: this account is linked to annab@gmail.com, which is linked to anna
    second = new_case(client, admin, category="dnr", customer_email="anna.b@gmail.com")
    c = second["customer_id"]
    assert (second["level"], second["category"]) == (3, "multiple-dnr")
    note = routing_note(client, admin, second["id"])
    assert f"across accounts {', '.join(str(i) for i in sorted({a, c}))}" in note, note
    assert f"account {a} linked: same phone +4915112345678 (via account {b})" in note, note
    assert f"cases {first['id']}, this one" in note
    history = client.get(
        f"/api/v1/cases/{second['id']}/customer-history", headers=admin.headers
    ).json()
    assert sorted(history["linked_customer_ids"]) == sorted([a, b])


def test_the_walk_over_links_is_bounded_and_survives_a_ring(runtime: Runtime) -> None:
    now = runtime.clock.now()
    with runtime.db.transaction() as session:
        chain = [Customer(email=f"c{i}@example.com", created_at=now) for i in range(7)]
        session.add_all(chain)
        session.flush()
        session.add_all(
            CustomerLink(customer_id=x.id, linked_id=y.id, reason=f"link {i}", created_at=now)
            for i, (x, y) in enumerate(pairwise(chain))
        )
        session.flush()
        line = linked_accounts(session, chain[0].id)
        # c0-c1-...-c6 in a line: MAX_LINK_HOPS (4) hops reach c1..c4, nearest first
        assert [a.customer_id for a in line] == [c.id for c in chain[1:5]]
        assert (line[2].via, line[2].reason) == (chain[2].id, "link 2")
        session.add(
            CustomerLink(
                customer_id=chain[6].id, linked_id=chain[0].id, reason="ring", created_at=now
            )
        )
        session.flush()
        ring = linked_accounts(session, chain[0].id)
    # closed into a ring of 7, every account is within 3 hops one way round, and listed once
    assert sorted(a.customer_id for a in ring) == sorted(c.id for c in chain[1:])
    assert len(ring) == 6
