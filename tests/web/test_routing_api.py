"""Seed 002's escalation matrix replayed through the API on SQLite and PostgreSQL.

Every listed category lands at its level; repeat offenses across linked accounts climb.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from tests.web.conftest import Persona

# Seed 002, as written: the categories each level owns (slugs of the starter taxonomy).
MATRIX: dict[int, list[str]] = {
    1: [
        *["donations-sponsorship", "wholesale-inquiry", "social-media-pr-press"],
        *["product-information", "faq-sales-terms", "website-navigation"],
        *["order-status", "change-order", "cancel-order", "address-update"],
        *["order-confirmation", "new-order"],
        *["did-not-like", "minor-damage", "minor-defect", "minor-reaction", "dnr"],
        *["gift-card-balance", "honor-promo", "restock-inquiry", "missing-incomplete-order"],
        *["outside-processing-sla", "us-outside-shipping-sla", "intl-outside-shipping-sla"],
        *["us-lost-in-transit", "return-to-sender", "create-rewards-account"],
        *["exchange-with-proof", "shop-runner"],
    ],
    2: ["spam"],
    3: [
        *["damage", "defective", "adverse-reaction", "multiple-dnr"],
        *["returns-outside-warranty", "repeated-issue", "ingredients"],
        *["specific-product-inquiry", "website-issue", "promo-issue", "afterpay-klarna"],
        *["gift-card-not-found", "promo-not-working", "multiple-international-issues"],
        *["invalid-tracking", "label-created-5-days", "prepaid-label-request", "backorder"],
        *["unsubscribe-emails", "brand-feedback", "influencer-feedback", "missing-points"],
        *["redeeming-points", "expired-points", "merge-accounts"],
        *["negative-shopping-experience", "damage-defective-without-proof"],
        *["purchased-from-third-party", "hr-employee-verification"],
    ],
    4: [
        *["fraud", "chargebacks", "repeated-more-than-three-times", "foreign-objects"],
        *["injury-legal-threats", "wholesale-reseller-issues"],
    ],
}


def new_case(client: TestClient, who: Persona, **fields: Any) -> dict[str, Any]:
    body = {"customer_email": "ann@example.com", "subject": "s", "body": "b", **fields}
    response = client.post("/api/v1/cases", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def routing_note(client: TestClient, who: Persona, case_id: int) -> str:
    items = client.get(f"/api/v1/cases/{case_id}/timeline", headers=who.headers).json()["items"]
    return str(next(e for e in items if e["kind"] == "routing")["body"])


def test_every_category_of_the_matrix_lands_at_its_level(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    landed = {}
    for level, slugs in MATRIX.items():
        for i, slug in enumerate(slugs):
            # A fresh customer each time: nobody has a history, so the category decides.
            case = new_case(client, admin, category=slug, customer_email=f"c{level}-{i}@ex.com")
            landed[slug] = case["level"]
            assert case["category"] == slug
    assert landed == {slug: level for level, slugs in MATRIX.items() for slug in slugs}


def test_repeat_dnr_across_linked_accounts_climbs_to_level_3_then_4(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    # Gmail ignores dots and +tags: these are one mailbox, so one person.
    first = new_case(client, admin, category="dnr", customer_email="jane.doe@gmail.com")
    assert (first["level"], first["category"]) == (1, "dnr")
    second = new_case(client, admin, category="dnr", customer_email="janedoe+shop@gmail.com")
    assert (second["level"], second["category"]) == (3, "multiple-dnr")
    assert second["customer_id"] != first["customer_id"]
    note = routing_note(client, admin, second["id"])
    ids = sorted([first["customer_id"], second["customer_id"]])
    assert note.startswith(f"level 3 because: 2nd dnr claim in 365 days across accounts {ids[0]}")
    third = new_case(client, admin, category="dnr", customer_email="JaneDoe@googlemail.com")
    assert (third["level"], third["category"]) == (3, "multiple-dnr")
    fourth = new_case(client, admin, category="dnr", customer_email="jane.doe@gmail.com")
    assert (fourth["level"], fourth["category"]) == (4, "repeated-more-than-three-times")
    assert routing_note(client, admin, fourth["id"]).startswith("level 4 because: 4th dnr claim")
    history = client.get(
        f"/api/v1/cases/{fourth['id']}/customer-history", headers=admin.headers
    ).json()
    assert sorted(history["linked_customer_ids"]) == sorted(
        {second["customer_id"], third["customer_id"]}
    )
    assert [(o["kind"], o["count"]) for o in history["offenses"]] == [("dnr", 4)]


def test_claims_count_with_the_kinds_the_taxonomy_groups_them_with(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    new_case(client, admin, category="did-not-like", customer_email="bo@example.com")
    # "did not like" counts with nothing: a first DNR after it is a first DNR (issue 10, item 6)
    dnr = new_case(client, admin, category="dnr", customer_email="bo@example.com")
    assert (dnr["level"], dnr["category"]) == (1, "dnr")
    damage = new_case(client, admin, category="minor-damage", customer_email="bo@example.com")
    assert (damage["level"], damage["category"]) == (1, "minor-damage")
    # Incomplete, damage, defect and reaction count together (counts_with: repeated-issue)
    defect = new_case(client, admin, category="minor-defect", customer_email="bo@example.com")
    assert (defect["level"], defect["category"]) == (3, "repeated-issue")
    note = routing_note(client, admin, defect["id"])
    assert f"(1 damage, 1 defect: cases {damage['id']}, this one)" in note, note
    # A non-offense inquiry by the same customer stays with its owner.
    status = new_case(client, admin, category="order-status", customer_email="bo@example.com")
    assert status["level"] == 1


def test_a_repeat_of_one_kind_is_that_kind_and_the_event_names_the_counted_cases(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    first = new_case(client, admin, category="minor-damage", customer_email="cy@example.com")
    second = new_case(client, admin, category="minor-damage", customer_email="cy@example.com")
    assert (second["level"], second["category"]) == (3, "damage")
    items = client.get(f"/api/v1/cases/{second['id']}/timeline", headers=admin.headers).json()
    routing = next(e for e in items["items"] if e["kind"] == "routing")
    assert routing["data"]["counted_case_ids"] == [first["id"]]
    assert f"(2 damage: cases {first['id']}, this one)" in routing["body"]


@pytest.mark.parametrize(
    ("signal", "category"),
    [
        ("fraud", "fraud"),
        ("chargeback", "chargebacks"),
        ("legal-threat", "injury-legal-threats"),
        ("injury", "injury-legal-threats"),
        ("foreign-object", "foreign-objects"),
        ("wholesale-reseller", "wholesale-reseller-issues"),
    ],
)
def test_signals_send_a_case_to_level_4(
    client: TestClient, people: dict[str, Persona], signal: str, category: str
) -> None:
    case = new_case(client, people["admin"], category="order-status", signals=[signal])
    assert (case["level"], case["category"]) == (4, category)
    note = routing_note(client, people["admin"], case["id"])
    assert note.startswith(f"level 4 because: signal '{signal}'")


def test_an_unknown_signal_is_refused(client: TestClient, people: dict[str, Persona]) -> None:
    body = {"customer_email": "a@ex.com", "subject": "s", "body": "b", "signals": ["aliens"]}
    response = client.post("/api/v1/cases", json=body, headers=people["admin"].headers)
    assert response.status_code == 422
    assert "aliens" in response.text


def put_order(client: TestClient, who: Persona, **order: Any) -> None:
    response = client.put("/api/v1/orders", json={"orders": [order]}, headers=who.headers)
    assert response.status_code < 300, response.text


def test_order_status_inside_sla_stays_and_outside_moves_to_the_stage_category(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    # The clock reads Monday 2026-11-23; US business days count in New York.
    put_order(client, admin, external_ref="NEW", placed_at="2026-11-20T15:00:00Z")
    put_order(client, admin, external_ref="OLD", placed_at="2026-11-02T15:00:00Z")
    inside = new_case(client, admin, category="order-status", order_ref="NEW")
    assert (inside["level"], inside["category"]) == (1, "order-status")
    assert "inside SLA" in routing_note(client, admin, inside["id"])
    late = new_case(client, admin, category="order-status", order_ref="OLD")
    assert (late["level"], late["category"]) == (1, "outside-processing-sla")
    assert "outside SLA, so category 'outside-processing-sla'" in routing_note(
        client, admin, late["id"]
    )


def test_lost_in_transit_outside_sla_goes_where_the_matrix_says(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    shipment = {"shipped_at": "2026-10-20T12:00:00Z", "destination_country": "US"}
    put_order(
        client,
        admin,
        external_ref="LOST",
        placed_at="2026-10-19T12:00:00Z",
        destination_country="US",
        shipments=[shipment],
    )
    case = new_case(client, admin, category="us-lost-in-transit", order_ref="LOST")
    assert (case["level"], case["category"]) == (1, "us-lost-in-transit")
    note = routing_note(client, admin, case["id"])
    assert "shipping: to US" in note and "promise 10: outside SLA" in note


def test_new_cases_go_to_the_least_loaded_active_agent_of_their_level(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin = people["admin"]
    extra = client.post(
        "/api/v1/agents",
        json={"email": "l1b@example.com", "name": "Second", "level": 1},
        headers=admin.headers,
    ).json()
    owners = [new_case(client, admin, category="order-status")["assignee_id"] for _ in range(4)]
    assert sorted(owners) == sorted([people["agent"].id, extra["id"]] * 2)
    client.patch(f"/api/v1/agents/{extra['id']}", json={"active": False}, headers=admin.headers)
    assert new_case(client, admin, category="order-status")["assignee_id"] == people["agent"].id
    senior = new_case(client, admin, category="ingredients")
    assert senior["assignee_id"] == people["senior"].id


def test_manual_escalation_and_de_escalation_need_a_reason(
    client: TestClient, people: dict[str, Persona]
) -> None:
    admin, agent = people["admin"], people["agent"]
    case = new_case(client, agent, category="order-status")
    path = f"/api/v1/cases/{case['id']}/escalate"
    assert client.post(path, json={"level": 3}, headers=agent.headers).status_code == 422
    up = client.post(
        path, json={"level": 3, "reason": "customer is a journalist"}, headers=agent.headers
    )
    assert up.status_code == 200, up.text
    assert up.json() == {"id": case["id"], "level": 3, "assignee_id": people["senior"].id}
    # The level-1 agent handed it over and can no longer open it.
    assert client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers).status_code == 403
    again = client.post(path, json={"level": 3, "reason": "x"}, headers=admin.headers)
    assert again.status_code == 422
    down = client.post(
        path, json={"level": 1, "reason": "only an order status"}, headers=admin.headers
    )
    assert down.json()["level"] == 1
    items = client.get(f"/api/v1/cases/{case['id']}/timeline", headers=admin.headers).json()
    notes = [e["body"] for e in items["items"] if e["kind"] == "routing"][1:]
    assert notes == [
        "level 3 because: escalated from level 1: customer is a journalist",
        "level 1 because: de-escalated from level 3: only an order status",
    ]
