"""The agent workspace in a real headless chromium: the queue's rows, keys, saved views and bulk
result; the board's cards and its keep-solved rule; the demo mailbox; /docs offline; 390 px.

Data is made through the engine's service functions; screenshots go to tests/e2e/artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    check_change_case,
    do_add_message,
    do_change_case,
)
from sopdesk.engine.jobs import WorkContext
from sopdesk.engine.worker import HANDLERS, Worker
from sopdesk.handlers import import_handlers
from tests.e2e.conftest import Server, shot, sign_in
from tests.e2e.test_console_flows import SYSTEM, make_case

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
# The elements that stick out past the right edge (what to fix when a page is too wide).
WIDEST = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll-x, table.cases'))
  .slice(0, 6)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def change(server: Server, case_id: int, **fields: object) -> None:
    rt = server.runtime
    command = ChangeCase(**fields)  # type: ignore[arg-type]
    changes = check_change_case(rt.db, SYSTEM, rt.desk, case_id, command)
    do_change_case(rt.db, rt.clock, SYSTEM, case_id, changes, "test", rt.desk)


def test_queue_rows_keys_saved_views_and_bulk_result(page: Page, server: Server) -> None:
    first = make_case(server, "Queue keys: first case", "missing-item")
    make_case(server, "Queue keys: second case", "missing-item")
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/?view=all")
    row = page.locator("tr[data-row]", has_text="Queue keys: first case")
    expect(row.locator(".customer")).to_have_text("Casey Customer")
    expect(row.locator(".last-line")).to_have_text("Hello, something is wrong with my order.")
    # j moves the cursor down, k up, x ticks, Enter opens the case under the cursor.
    page.keyboard.press("j")
    expect(page.locator("tr.cursor")).to_have_count(1)
    rows = page.locator("tr[data-row]")
    index = [rows.nth(i).get_attribute("data-href") for i in range(rows.count())].index(
        f"/cases/{first}"
    )
    for _ in range(index):
        page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.cursor")).to_have_attribute("data-href", f"/cases/{first}")
    page.keyboard.press("x")
    expect(row.locator('input[name="case"]')).to_be_checked()
    shot(page, "queue")
    page.click("button[value=assign_me]")
    expect(page.locator("[data-bulk-result]")).to_have_text("1 case assigned to you.")
    # e opens the case with the reply box focused.
    page.keyboard.press("j")
    for _ in range(index):
        page.keyboard.press("j")
    page.keyboard.press("e")
    page.wait_for_url(re.compile(rf"/cases/{first}#reply-body$"))
    expect(page.locator("#reply-body")).to_be_focused()
    page.keyboard.type("typed straight away")
    expect(page.locator("#reply-body")).to_have_value("typed straight away")
    # A saved view keeps the filters and comes back as a link.
    page.goto(f"{server.url}/?view=all&category=missing-item&sort=newest")
    page.fill('input[name="name"]', "Missing items, newest")
    page.click("text=Save view")
    chip = page.locator(".view-chip a", has_text="Missing items, newest")
    expect(chip).to_have_attribute("href", re.compile(r"category=missing-item.*sort=newest"))
    page.goto(f"{server.url}/")
    page.click("text=Missing items, newest")
    expect(page.locator('select[name="sort"]')).to_have_value("newest")


def test_board_cards_show_facts_and_keep_solved_cases(page: Page, server: Server) -> None:
    kept = make_case(server, "Board: solved and kept", "missing-item")
    change(server, kept, board_column="done")
    change(server, kept, status=CaseStatus.SOLVED)
    gone = make_case(server, "Board: solved and archived", "missing-item")
    change(server, gone, board_column="inbox")
    change(server, gone, status=CaseStatus.SOLVED)
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/board")
    done = page.locator('[data-column="done"]')
    card = done.locator(f'[data-case="{kept}"]')
    expect(card).to_contain_text("Casey Customer")
    expect(card).to_contain_text("solved")
    expect(card.locator(".age")).to_contain_text("old")
    expect(done.locator(".keeps")).to_contain_text("3 days")
    expect(page.locator(f'[data-case="{gone}"]')).to_have_count(0)  # inbox keeps none
    open_case = make_case(server, "Board: open in progress", "missing-item")
    change(server, open_case, board_column="in-progress", assignee_id=None)
    page.goto(f"{server.url}/board")
    expect(page.locator(f'[data-case="{open_case}"] .sla')).to_contain_text("SLA in")
    shot(page, "board")
    page.goto(f"{server.url}/board?level=4")
    expect(page.locator(f'[data-case="{open_case}"]')).to_have_count(0)
    page.goto(f"{server.url}/board?assignee=none")
    expect(page.locator(f'[data-case="{open_case}"]')).to_have_count(1)
    page.goto(f"{server.url}/board?assignee=me")
    expect(page.locator(f'[data-case="{open_case}"]')).to_have_count(0)


def test_the_demo_mailbox_shows_what_was_not_sent(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Mailbox: where is my card", "missing-item")
    reply = AddMessage(kind="reply", body="We are sending a new card today.", channel="email")
    do_add_message(rt.db, rt.clock, SYSTEM, case_id, reply, rt.desk)
    import_handlers()
    settings = rt.settings.model_copy(update={"mail_transport": "mailbox"})
    Worker(WorkContext(rt.db, rt.clock, rt.desk, settings), HANDLERS).tick()
    sign_in(page, server, "admin")
    page.click("header nav >> text=Mailbox")
    row = page.locator("table.mailbox tr", has_text="Mailbox: where is my card")
    expect(row).to_contain_text("casey@example.com")
    row.locator("a").first.click()
    expect(page.locator("pre.mail-body").first).to_contain_text("We are sending a new card today.")
    shot(page, "mailbox")


def test_api_docs_work_without_internet(page: Page, server: Server) -> None:
    outside: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("sopdesk")
    expect(page.locator(".opblock").first).to_be_visible()
    assert outside == []


def _phone_pages(server: Server, case_id: int) -> list[str]:
    return [
        "/",
        "/?view=all",
        "/board",
        f"/cases/{case_id}",
        "/approvals",
        "/reports",
        "/admin/agents",
        "/admin/desk",
        "/admin/outbox",
        "/admin/status",
        "/mailbox",
    ]


def test_every_page_fits_a_390px_phone(browser: Browser, server: Server) -> None:
    case_id = make_case(server, "A phone-sized case with a rather long subject line here", None)
    for _ in range(3):
        note = AddMessage(kind="note", body="a long-winded note " * 20)
        do_add_message(server.runtime.db, server.runtime.clock, SYSTEM, case_id, note, None)
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        for path in ["/login", "/contact", "/status", "/partner/login"]:
            page.goto(f"{server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
        sign_in(page, server, "admin")
        wide = {}
        for path in _phone_pages(server, case_id):
            page.goto(f"{server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[path] = (width, page.evaluate(WIDEST))
        assert wide == {}
        page.goto(f"{server.url}/cases/{case_id}")
        panel = page.locator(".case-grid > aside").bounding_box()
        timeline = page.locator(".case-grid > .timeline").bounding_box()
        assert panel and timeline and panel["y"] < timeline["y"]
        shot(page, "case-390")
        page.goto(f"{server.url}/")
        shot(page, "queue-390")
    finally:
        context.close()


def test_a_shop_answers_with_one_of_the_playbooks_circumstances(
    browser: Browser, server: Server
) -> None:
    from tests.engine.test_partner_tasks import PASSWORD, make_shop

    shop = make_shop(server.runtime, "button-breaks", "Button Breaks")
    for name, viewport in (
        ("partner-task-390", PHONE),
        ("partner-task", {"width": 1280, "height": 900}),
    ):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{server.url}/partner/login")
        page.fill("#email", shop.user_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/partner")
        page.locator("table.partner-tasks tbody tr").first.get_by_role("link").click()
        options = page.locator(".found-options button")
        expect(options).to_have_count(4)  # seed 000's four circumstances
        expect(options.first).to_contain_text("missed during sorting")
        if viewport is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            shot(page, name)
            context.close()
            continue
        shot(page, name)
        page.fill("#answer", "Found it under the table.")
        page.get_by_role("button", name=re.compile("missed during the break")).click()
        answered = page.locator("[aria-label=Answer] .answer")
        expect(answered).to_contain_text("The item was missed during the break")
        expect(answered).to_contain_text("Found it under the table.")
        expect(page.locator(".found-options")).to_have_count(0)  # answered: no more buttons
        context.close()


def test_an_admin_adds_a_shop_and_invites_its_user_who_sets_a_password(
    page: Page, browser: Browser, server: Server
) -> None:
    sign_in(page, server, "admin")
    page.click("header nav >> text=Partners")
    page.fill("#slug", "e2e-shop")
    page.fill("#name", "E2E Shop")
    page.fill("#pemail", "orders@e2e-shop.example")
    page.click("text=Add partner")
    shop = page.locator('[data-partner="e2e-shop"]')
    expect(shop).to_contain_text("No portal users yet.")
    shop.locator('input[name="email"]').fill("sam@e2e-shop.example")
    shop.locator("text=Invite user").click()
    link = page.locator("[data-invite-link]").inner_text()
    expect(page.locator('[data-partner="e2e-shop"]')).to_contain_text("invited, no password yet")
    shot(page, "admin-partners")
    context = browser.new_context(viewport=PHONE)
    shop_page = context.new_page()
    shop_page.goto(server.url + link.removeprefix("http://127.0.0.1:8000"))
    shop_page.fill("#password", "our own good password")
    shop_page.fill("#repeat", "our own good password")
    shop_page.click("text=Set password")
    shop_page.wait_for_url(re.compile(r"/partner/login"))
    shop_page.fill("#email", "sam@e2e-shop.example")
    shop_page.fill("#password", "our own good password")
    shop_page.click("button[type=submit]")
    shop_page.wait_for_url(f"{server.url}/partner")
    context.close()


def test_the_playbook_panel_keeps_its_controls_inside_and_whole(page: Page, server: Server) -> None:
    """A checklist's Tick buttons keep their word on one line and the form that starts another
    playbook (a long playbook title in its select) stays inside the panel, on a desktop."""
    case_id = make_case(server, "Trade-in on hold", "proof-of-purchase-hold")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/cases/{case_id}")
    expect(page.locator("#playbook .checklist button").first).to_be_visible()
    misfits = page.evaluate(
        """() => {
        const panel = document.querySelector('#playbook').getBoundingClientRect();
        const out = [];
        const controls = '#playbook button, #playbook select, #playbook label';
        for (const el of document.querySelectorAll(controls)) {
            const r = el.getBoundingClientRect();
            if (r.width === 0) continue;  // inside a closed <details>
            const em = parseFloat(getComputedStyle(el).fontSize);
            const name = `${el.tagName} "${el.textContent.trim().slice(0, 30)}"`;
            if (r.right > panel.right + 1) out.push(`${name} runs out of the panel`);
            if (r.height > 2.6 * em) out.push(`${name} is ${Math.round(r.height)} px tall`);
        }
        return out;
    }"""
    )
    assert misfits == []
