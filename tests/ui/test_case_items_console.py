"""The console says which order lines a case is about and lets an agent choose (issue 10 item
7); the macro preview then reads the chosen card, and a foreign item is refused with a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase
from sopdesk.engine.orders import (
    ItemIn,
    OrderIn,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
)
from sopdesk.runtime import Runtime
from sopdesk.store.models import OrderItem
from tests.ui.conftest import csrf_of, open_case

SYSTEM = Principal.system()
CARD = "2023 Prizm Victor Wembanyama Silver"


def _case(runtime: Runtime) -> tuple[int, dict[str, int]]:
    upsert = UpsertOrders(
        orders=[
            OrderIn(
                external_ref="B-9",
                customer_email="sam@example.com",
                placed_at=datetime(2026, 11, 1, tzinfo=UTC),
                currency="EUR",
                items=[
                    ItemIn(sku="TL-25", name="Toploaders (25 pack)", value=Decimal("6.49")),
                    ItemIn(
                        sku="PRZ-136", name=CARD, value=Decimal("120"), comp_value=Decimal("95")
                    ),
                ],
            )
        ]
    )
    do_upsert_orders(
        runtime.db, runtime.clock.now(), upsert, check_upsert_orders(runtime.db, SYSTEM, upsert)
    )
    command = CreateCase(
        customer_email="sam@example.com",
        customer_name="Sam Collector",
        subject="Missing from my break",
        body="My package was not complete.",
        order_ref="B-9",
        category="missing-item",
    )
    case_id = open_case(runtime, command)
    with runtime.db.transaction(write=False) as session:
        ids = {i.name: i.id for i in session.query(OrderItem).all()}
    return case_id, ids


def test_an_agent_chooses_the_card_and_the_preview_credits_its_comp_value(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id, ids = _case(runtime)
    admin = signed_in("admin")
    page = admin.get(f"/cases/{case_id}").text
    assert "data-items-unknown" in page  # several lines, none chosen: said on the page
    preview = admin.get(f"/cases/{case_id}/macro-preview?macro=missing-item-credit").text
    assert "no value for item" in preview  # fails closed: never the toploaders' 6.49
    saved = admin.post(
        f"/cases/{case_id}/items",
        data={"item": str(ids[CARD]), "csrf_token": csrf_of(page)},
    )
    assert saved.status_code == 303
    page = admin.get(f"/cases/{case_id}").text
    assert "data-items-unknown" not in page
    assert f'value="{ids[CARD]}" checked' in page
    assert f"— → {CARD}" in page  # the choice is a field change on the timeline
    preview = admin.get(f"/cases/{case_id}/macro-preview?macro=missing-item-credit").text
    assert "95.00 EUR" in preview and "6.49" not in preview


def test_an_item_that_is_not_on_the_order_is_refused_on_the_page(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id, _ids = _case(runtime)
    admin = signed_in("admin")
    token = csrf_of(admin.get(f"/cases/{case_id}").text)
    refused = admin.post(f"/cases/{case_id}/items", data={"item": "99999", "csrf_token": token})
    assert refused.status_code == 422
    assert "is not on the case&#39;s order" in refused.text
