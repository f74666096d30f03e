"""The console in a real headless chromium: the flows agents, approvers and admins live in.

Data is made through the engine's service functions; every flow ends with a screenshot.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from sopdesk.domain.cases import Priority
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    CreateCase,
    check_change_case,
    check_create_case,
    do_add_message,
    do_change_case,
    do_create_case,
)
from sopdesk.engine.orders import UpsertOrders, check_upsert_orders, do_upsert_orders
from sopdesk.engine.playbooks import list_case_runs
from sopdesk.engine.worker import WorkContext, Worker
from tests.e2e.conftest import Server, shot, sign_in

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()


def make_case(
    server: Server,
    subject: str,
    category: str | None,
    order: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> int:
    rt = server.runtime
    command = CreateCase(
        customer_email="casey@example.com",
        customer_name="Casey Customer",
        subject=subject,
        body="Hello, something is wrong with my order.",
        category=category,
        order_ref=order,
        priority=priority,
    )
    plan = check_create_case(rt.db, SYSTEM, rt.desk, command)
    return do_create_case(rt.db, rt.clock, rt.desk, SYSTEM, command, plan).id


def make_order(server: Server, ref: str) -> None:
    rt = server.runtime
    command = UpsertOrders.model_validate(
        {
            "orders": [
                {
                    "external_ref": ref,
                    "customer_email": "casey@example.com",
                    "placed_at": "2026-11-20T10:00:00+00:00",
                    "destination_country": "US",
                    "items": [
                        {
                            "sku": "PKM-1",
                            "name": "Charizard holo",
                            "value": "120.00",
                            "comp_value": "95.00",
                        }
                    ],
                    "shipments": [{"carrier": "USPS", "tracking_number": "9400100000000000000"}],
                }
            ]
        }
    )
    partners = check_upsert_orders(rt.db, SYSTEM, command)
    do_upsert_orders(rt.db, rt.clock.now(), command, partners)


def fire_due_timers(server: Server) -> None:
    rt = server.runtime
    Worker(WorkContext(rt.db, rt.clock, rt.desk)).tick()


def test_sign_in_lands_on_the_queue(page: Page, server: Server) -> None:
    make_case(server, "Card arrived bent", None)
    page.goto(f"{server.url}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#email", "agent@example.com")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".field-error")).to_contain_text("wrong e-mail or password")
    expect(page.locator("#email")).to_have_value("agent@example.com")
    sign_in(page, server, "agent")
    expect(page.locator("h1")).to_contain_text("Level 1 queue")
    expect(page.locator("table.cases")).to_contain_text("Card arrived bent")
    expect(page.locator("[data-count=level-1]")).to_be_visible()
    shot(page, "sign-in-queue")


def test_missing_item_shipped_to_another_customer_ends_in_credit(
    page: Page, server: Server
) -> None:
    make_order(server, "ORD-1001")
    case_id = make_case(server, "A card is missing from my break", "missing-item", "ORD-1001")
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/cases/{case_id}")
    panel = page.locator("#playbook")
    expect(panel).to_contain_text("Ask the shop to verify")
    panel.get_by_role("button", name="Mark the task done").click()
    expect(panel).to_contain_text("What did the shop find?")
    panel.locator("button[data-option=shipped-to-another-customer]").click()
    expect(panel).to_contain_text("Waiting for")
    expect(panel).to_contain_text("until")
    server.clock.advance(timedelta(days=6))
    fire_due_timers(server)
    page.reload()
    expect(panel).to_contain_text("How do we make it right?")
    panel.locator("button[data-option=platform-credit]").click()
    expect(panel.locator("[data-outcome]")).to_have_text("credited")
    expect(page.locator(".timeline")).to_contain_text("credit")
    expect(page.locator(".timeline")).to_contain_text("95.00")  # the comp value, not the price
    # The README's docs/case-page.png is picked by hand from this artifact; a test run never
    # writes into the tracked tree.
    shot(page, "missing-item-credit")


def test_an_approver_approves_a_proof_of_purchase(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Trade-in: iPhone 16", "proof-of-purchase-hold")
    sign_in(page, server, "arvin")  # the approval names Arvin: only he decides it
    page.goto(f"{server.url}/cases/{case_id}")
    panel = page.locator("#playbook")
    for _ in range(3):
        inputs = panel.locator("input[name^=value_]")
        if inputs.count():
            panel.locator("input[name=value_v_number]").fill("V-1234")
            panel.locator("input[name=value_s_number]").fill("S-5678")
        panel.get_by_role("button", name="Tick").first.click()
    reply = AddMessage(kind="inbound", body="Here is my receipt.")
    do_add_message(rt.db, rt.clock, SYSTEM, case_id, reply, rt.desk)
    page.goto(f"{server.url}/approvals")
    card = page.locator(f"section.approval:has(a[href='/cases/{case_id}'])")
    expect(card).to_contain_text("V-1234")
    card.locator("textarea").fill("Receipt matches the device")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(f"a[href='/cases/{case_id}']")).to_have_count(0)
    shot(page, "approvals")
    runs = list_case_runs(rt.db, SYSTEM, case_id)
    assert runs[0].step != "ask-approval"


def test_a_card_moves_between_columns(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Move me across the board", None)
    command = ChangeCase(board_column="inbox")
    changes = check_change_case(rt.db, SYSTEM, rt.desk, case_id, command)
    do_change_case(rt.db, rt.clock, SYSTEM, case_id, changes, None, rt.desk)
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/board")
    card = page.locator(f"[data-case='{case_id}']")
    target = page.locator("[data-column=in-progress]")
    card.drag_to(target)
    expect(target.locator(f"[data-case='{case_id}']")).to_be_visible()
    shot(page, "board")
    page.goto(f"{server.url}/cases/{case_id}")
    expect(page.locator(".timeline")).to_contain_text("in-progress")


def test_level_one_cannot_open_approvals_or_a_higher_case(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Chargeback threat", None)
    command = ChangeCase(level=3, reason="legal threat")
    changes = check_change_case(rt.db, SYSTEM, rt.desk, case_id, command)
    do_change_case(rt.db, rt.clock, SYSTEM, case_id, changes, command.reason, rt.desk)
    sign_in(page, server, "agent")
    expect(page.get_by_role("link", name="Approvals")).to_have_count(0)
    response = page.goto(f"{server.url}/approvals")
    assert response is not None and response.status == 403
    expect(page.locator(".problem")).to_contain_text("approver")
    response = page.goto(f"{server.url}/cases/{case_id}")
    assert response is not None and response.status == 403
    expect(page.locator(".problem")).to_contain_text("level 3")
    shot(page, "level-one-refused")


def test_a_critical_case_shows_its_sla_badge_and_escalates_with_a_reason(
    page: Page, server: Server
) -> None:
    case_id = make_case(server, "Checkout is down for everyone", None, priority=Priority.CRITICAL)
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/cases/{case_id}")
    badge = page.locator("[data-sla=first_response]")
    expect(badge).to_have_text("first response 1 h left")
    expect(badge).to_have_class(re.compile(r"sla-ok"))
    form = page.get_by_role("form", name="Escalate")
    form.locator("#esc-level").select_option("2")
    form.get_by_role("button", name="Change level").click()
    expect(page.locator("#err-reason")).to_contain_text("say why the case changes level")
    expect(page.locator("#esc-level")).to_have_value("2")
    page.fill("#esc-reason", "payment provider outage needs level 2")
    page.get_by_role("button", name="Change level").click()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("escalated from level 1: payment provider outage")
    expect(page.locator(".case-head")).to_contain_text("level 2")
    shot(page, "critical-sla-escalated")
