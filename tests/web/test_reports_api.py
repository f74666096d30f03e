"""/api/v1/reports: JSON and CSV of the same report agree, the payout export lists what comes out
of each shop's payout in the period, bad filters get a problem document, level 1 is refused.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, LedgerEntry, Partner
from tests.web.conftest import Persona

SYSTEM = Principal.system()


def _case(runtime: Runtime, subject: str) -> int:
    command = CreateCase(customer_email="casey@example.com", subject=subject, body="Help.")
    plan = check_create_case(runtime.db, SYSTEM, runtime.desk, command)
    return do_create_case(runtime.db, runtime.clock, runtime.desk, SYSTEM, command, plan).id


def _credit(runtime: Runtime, case_id: int, amount: str, paid_by: str, days_ago: int) -> None:
    with runtime.db.transaction() as session:
        session.add(
            LedgerEntry(
                case_id=case_id,
                kind="credit",
                amount=Decimal(amount),
                currency="USD",
                paid_by=paid_by,
                description="comp value of the card",
                at=runtime.clock.now() - timedelta(days=days_ago),
            )
        )


def test_json_and_csv_of_a_report_agree(
    client: TestClient, runtime: Runtime, people: dict[str, Persona]
) -> None:
    for n in range(3):
        _case(runtime, f"Case {n}")
    lead = people["lead"].headers
    answer = client.get("/api/v1/reports/volume-channel", headers=lead)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == ["channel", "cases"]
    assert sum(item["cases"] for item in body["items"]) == 3
    as_csv = client.get("/api/v1/reports/volume-channel?format=csv", headers=lead)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["channel", "cases"]
    assert [[str(i["channel"]), str(i["cases"])] for i in body["items"]] == rows[1:]
    assert "payouts" in client.get("/api/v1/reports", headers=lead).json()["items"]


def test_payout_export_lists_credits_taken_out_of_each_shops_payout(
    client: TestClient, runtime: Runtime, people: dict[str, Persona]
) -> None:
    with runtime.db.transaction() as session:
        shop = Partner(slug="cardbreakers", name="Card Breakers", created_at=runtime.clock.now())
        other = Partner(slug="other", name="Other shop", created_at=runtime.clock.now())
        session.add_all([shop, other])
        session.flush()
        shop_id, other_id = shop.id, other.id
    mine, theirs = _case(runtime, "Missing card"), _case(runtime, "Another missing card")
    with runtime.db.transaction() as session:
        session.get_one(Case, mine).partner_id = shop_id
        session.get_one(Case, theirs).partner_id = other_id
    _credit(runtime, mine, "12.50", "partner-payout", 2)
    _credit(runtime, mine, "7.25", "partner-payout", 1)
    _credit(runtime, mine, "99.00", "desk", 1)  # the desk pays: not the shop's business
    _credit(runtime, mine, "5.00", "partner-payout", 40)  # before the period
    _credit(runtime, theirs, "3.00", "partner-payout", 1)
    since = (runtime.clock.now() - timedelta(days=7)).date().isoformat()
    headers = people["admin"].headers
    url = f"/api/v1/reports/payouts?from={since}&shop={shop_id}"
    body = client.get(url, headers=headers).json()
    assert [i["amount"] for i in body["items"]] == ["12.50", "7.25"]
    assert body["totals"] == [{"shop_id": shop_id, "currency": "USD", "amount": "19.75"}]
    exported = client.get(url + "&format=csv", headers=headers)
    assert exported.status_code == 200
    assert 'filename="payouts-' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["shop"], r["case_id"], r["amount"]) for r in rows] == [
        ("Card Breakers", str(mine), "12.50"),
        ("Card Breakers", str(mine), "7.25"),
    ]
    everyone = client.get(f"/api/v1/reports/payouts?from={since}", headers=headers).json()
    assert {t["shop_id"] for t in everyone["totals"]} == {shop_id, other_id}


def test_level_one_agents_are_refused_and_bad_filters_explained(
    client: TestClient, people: dict[str, Persona]
) -> None:
    refused = client.get("/api/v1/reports/backlog", headers=people["agent"].headers)
    assert refused.status_code == 403
    assert "level 2+" in refused.json()["detail"]
    senior = people["senior"].headers
    assert client.get("/api/v1/reports/backlog", headers=senior).status_code == 200
    bad = client.get("/api/v1/reports/backlog?level=seven", headers=senior)
    assert bad.status_code in (400, 422)
    assert "level must be a whole number" in bad.json()["detail"]
    unknown = client.get("/api/v1/reports/nope", headers=senior)
    assert "no report named 'nope'" in unknown.json()["detail"]
    assert client.get("/api/v1/reports/sla?format=xml", headers=senior).status_code in (400, 422)
