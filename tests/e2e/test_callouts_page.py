"""A trend callout appears in real chromium, at a phone's width (390 px): its sentence with the
word that explains it, its chart and table, links to its cases; and it is on the reports page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from sopdesk.domain.principal import Principal
from sopdesk.engine.callouts import HOURLY, call_out_window, next_boundary, window_ending
from sopdesk.engine.new_cases import CreateCase, check_create_case, do_create_case
from tests.e2e.conftest import Server, shot, sign_in

CATEGORY = "wholesale-inquiry"  # no other browser test uses it
SUBJECTS = ["Pricing", "Question", "Our order", "Discount?", "Hello there", "A quote"]


def test_a_callout_appears_with_its_words_and_cases_at_390_px(page: Page, server: Server) -> None:
    rt, system = server.runtime, Principal.system()
    made = []
    for i in range(6):
        command = CreateCase(
            customer_email=f"shop{i}@example.com",
            subject=SUBJECTS[i],
            body=f"We want the BULK25 price for shop number {i}",
            category=CATEGORY,
        )
        plan = check_create_case(rt.db, system, rt.desk, command)
        made.append(do_create_case(rt.db, rt.clock, rt.desk, system, command, plan).id)
    now = rt.clock.now()
    window = window_ending(HOURLY, next_boundary(HOURLY, now, rt.desk), rt.desk)
    with rt.db.transaction() as session:
        [callout] = call_out_window(session, rt.desk, window, now)
        callout_id = callout.id

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/callouts")
    card = page.locator(f"#callout-{callout_id}")
    expect(card).to_contain_text("6 cases between")
    expect(card).to_contain_text("mention 'bulk25'")
    expect(card.locator("svg rect[data-count='6']")).to_be_visible()
    expect(card.locator("table.terms")).to_contain_text("bulk25")
    expect(card.locator(f"a[href='/cases/{made[0]}']")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the callouts page is {wide} px wide at 390 px"
    shot(page, "callouts-390")
    card.locator(f"a[href='/cases/{made[0]}']").click()
    expect(page.locator("h1")).to_contain_text("Pricing")

    page.goto(f"{server.url}/reports")
    expect(page.locator("#recent-callouts")).to_contain_text("mention 'bulk25'")
