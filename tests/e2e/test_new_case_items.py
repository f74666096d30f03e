"""A case opened for a caller chooses the order's card, in a real chromium: the agent ticks
the card, the case page shows it as the case's item, and the missing-item playbook's request to
the shop names that card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.customers import CreateCustomer, do_create_customer, phone_region
from sopdesk.engine.orders import UpsertOrders, check_upsert_orders, do_upsert_orders
from sopdesk.engine.partner_users import CreatePartner, check_create_partner, do_create_partner
from sopdesk.store.models import CaseItem, OrderItem, OutboxMessage
from tests.e2e.conftest import Server, shot, sign_in

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()
CARD = "1999 Base Set Charizard Holo"


def _caller_with_a_break(server: Server) -> int:
    rt = server.runtime
    shop = CreatePartner(slug="tidewater", name="Tidewater Breaks", email="o@tidewater.example")
    check_create_partner(rt.db, SYSTEM, shop)
    do_create_partner(rt.db, rt.clock.now(), shop)
    made = do_create_customer(
        rt.db,
        rt.clock.now(),
        CreateCustomer(email="lee@example.com", name="Lee Caller"),
        phone_region(rt.desk),
    )
    command = UpsertOrders.model_validate(
        {
            "orders": [
                {
                    "external_ref": "ORD-LEE-1",
                    "customer_email": "lee@example.com",
                    "partner": "tidewater",
                    "placed_at": "2026-11-18T10:00:00+00:00",
                    "items": [
                        {"sku": "SLV-100", "name": "Penny sleeves", "value": "3.00"},
                        {"sku": "BS-4", "name": CARD, "value": "350.00", "comp_value": "300"},
                    ],
                }
            ]
        }
    )
    do_upsert_orders(rt.db, rt.clock.now(), command, check_upsert_orders(rt.db, SYSTEM, command))
    return made.id


def test_an_agent_ticks_the_card_the_call_is_about(page: Page, server: Server) -> None:
    customer_id = _caller_with_a_break(server)
    sign_in(page, server, "agent")
    page.goto(f"{server.url}/cases/new?customer={customer_id}")
    expect(page.locator("[data-chosen]")).to_contain_text("lee@example.com")
    page.locator("#order_ref").select_option("ORD-LEE-1")
    page.locator("#category").select_option("missing-item")
    page.fill("#subject", "A card is missing from the break")
    page.fill("#body", "Lee called: one card was not in the package.")
    items = page.locator("fieldset.items input[name=item_ids]")
    expect(items).to_have_count(2)
    page.get_by_label(re.compile("Charizard")).check()
    shot(page, "new-case-choose-the-item")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".timeline")).to_contain_text("chosen when the case was opened")
    with server.runtime.db.transaction(write=False) as session:
        chosen = session.scalars(
            select(OrderItem.name)
            .join(CaseItem, CaseItem.item_id == OrderItem.id)
            .where(CaseItem.case_id == case_id)
        ).all()
        mails = [m.payload.get("text", "") for m in session.scalars(select(OutboxMessage))]
    assert chosen == [CARD]
    assert any(f"a missing item: {CARD}" in text for text in mails)
