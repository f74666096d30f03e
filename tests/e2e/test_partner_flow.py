"""A partner answers a task, in a real headless chromium: the shop signs in to the portal, sees
only its own task, answers it with tracking, and the agent's case page shows the run moved on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, shot, sign_in
from tests.engine.test_partner_tasks import PASSWORD, make_shop

pytestmark = pytest.mark.e2e


def test_a_partner_answers_a_task(page: Page, browser: Browser, server: Server) -> None:
    shop = make_shop(server.runtime, "harbor", "Harbor Breaks")
    make_shop(server.runtime, "summit", "Summit Cards")

    page.goto(f"{server.url}/partner")
    expect(page).to_have_url(re.compile(r"/partner/login"))
    page.fill("#email", shop.user_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/partner")
    rows = page.locator("table.partner-tasks tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harbor Breaks break")
    expect(page.locator("main")).not_to_contain_text("Summit")

    rows.first.get_by_role("link").click()
    expect(page.locator("pre.request")).to_contain_text("Please verify")
    page.fill("#answer", "verified, shipped")
    page.fill("#carrier", "USPS")
    send = page.get_by_role("button", name="Send answer")
    send.click()
    expect(page.locator("#err-tracking_number")).to_be_visible()
    expect(page.locator("#answer")).to_have_value("verified, shipped")
    page.fill("#tracking_number", "9400111899223344556677")
    send.click()
    expect(page.locator("[aria-label=Answer]")).to_contain_text("Answered")
    expect(page.locator(".tracking")).to_contain_text("USPS tracking 9400111899223344556677")
    shot(page, "partner-answers-task")

    agent_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    agent = agent_context.new_page()
    agent.set_default_timeout(10_000)
    sign_in(agent, server, "senior")
    agent.goto(f"{server.url}/cases/{shop.case_id}")
    timeline = agent.locator(".timeline")
    expect(timeline).to_contain_text("verified, shipped")
    expect(timeline.locator(".kind-message_in").last).to_contain_text("partner")
    expect(agent.locator(".facts")).to_contain_text("9400111899223344556677")
    expect(agent.locator("#playbook")).to_contain_text("What did the shop find?")
    shot(agent, "partner-answer-on-the-case")
    agent_context.close()


def test_a_partners_found_button_makes_the_runs_choice(
    page: Page, browser: Browser, server: Server
) -> None:
    """Seed 000: the shop picks "missed during sorting", the run chooses it (no agent needed),
    a "send tracking" task follows, and its tracking number ends the run with the item shipped."""
    shop = make_shop(server.runtime, "lighthouse", "Lighthouse Breaks")
    page.goto(f"{server.url}/partner/login")
    page.fill("#email", shop.user_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/partner")
    page.locator("table.partner-tasks tbody tr").first.get_by_role("link").click()
    # What the desk lets the shop see: the customer's first name and report, no e-mail.
    expect(page.locator("[data-customer]")).to_have_text("Casey")
    expect(page.locator("pre.customer-report")).to_contain_text("The Charizard was not in")
    expect(page.locator("main")).not_to_contain_text("buyer.lighthouse@example.com")
    options = page.locator(".found-options button")
    expect(options).to_have_count(4)
    expect(options.nth(1)).to_contain_text("shipped to another customer")
    page.fill("#answer", "Found it in the sorting tray")
    page.get_by_role("button", name=re.compile("missed during sorting")).click()
    expect(page.locator("[aria-label=Answer]")).to_contain_text("Answered")

    page.goto(f"{server.url}/partner")
    follow_up = page.locator("table.partner-tasks tbody tr", has_text="tracking").first
    follow_up.get_by_role("link").click()
    expect(page.locator(".found-options")).to_have_count(0)
    page.fill("#answer", "Shipped this morning")
    page.fill("#carrier", "UPS")
    page.fill("#tracking_number", "1Z999AA10123456784")
    page.get_by_role("button", name="Send tracking").click()
    expect(page.locator(".tracking")).to_contain_text("UPS tracking 1Z999AA10123456784")
    shot(page, "partner-sends-tracking")

    agent_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    agent = agent_context.new_page()
    agent.set_default_timeout(10_000)
    sign_in(agent, server, "senior")
    agent.goto(f"{server.url}/cases/{shop.case_id}")
    expect(agent.locator(".timeline")).to_contain_text("Found it in the sorting tray")
    expect(agent.locator(".facts")).to_contain_text("1Z999AA10123456784")
    expect(agent.locator("#playbook")).not_to_contain_text("What did the shop find?")
    agent_context.close()
