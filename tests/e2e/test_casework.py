"""Case work in a real chromium: a case opened for a caller, refusals that stay on the page,
stopping and restarting a playbook, the conversation view, and an approval decided with facts.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import load_agent
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
from sopdesk.engine.customers import CreateCustomer, do_create_customer, phone_region
from sopdesk.engine.orders import UpsertOrders, check_upsert_orders, do_upsert_orders
from sopdesk.engine.playbooks import do_send_event, list_case_runs
from sopdesk.store.models import Agent, Case, OutboxMessage
from tests.e2e.conftest import Server, shot, sign_in
from tests.e2e.test_console_flows import make_case

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()
ENGINE_WORDS = ("does not fit", "is undefined", "String should", "Conflict", "Traceback")


def _no_engine_words(page: Page) -> None:
    text = page.locator("main").inner_text()
    for words in ENGINE_WORDS:
        assert words not in text, f"engine wording on the page: {words!r}"


def _caller(server: Server) -> int:
    """Pat, known by e-mail and a Berlin phone number, with one order."""
    rt = server.runtime
    customer = CreateCustomer(email="pat@example.com", name="Pat Caller", phone="+49 30 12345678")
    made = do_create_customer(rt.db, rt.clock.now(), customer, phone_region(rt.desk))
    command = UpsertOrders.model_validate(
        {
            "orders": [
                {
                    "external_ref": "ORD-PAT-1",
                    "customer_email": "pat@example.com",
                    "placed_at": "2026-11-18T10:00:00+00:00",
                    "items": [{"sku": "BOX-1", "name": "Booster box", "value": "89.00"}],
                }
            ]
        }
    )
    partners = check_upsert_orders(rt.db, SYSTEM, command)
    do_upsert_orders(rt.db, rt.clock.now(), command, partners)
    return made.id


def test_an_agent_opens_a_case_for_a_caller_and_the_playbook_starts(
    page: Page, server: Server
) -> None:
    customer_id = _caller(server)
    sign_in(page, server, "agent")
    page.get_by_role("link", name="New case").click()
    expect(page.locator("h1")).to_have_text("New case for a caller")
    # Refused first: nobody chosen, nothing said. The message says what to do.
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#err-customer_id")).to_contain_text("pick the customer from the search")
    _no_engine_words(page)
    # The caller gives the number in the national form; the desk reads it in its region (DE).
    page.fill("#q", "030 12345678")
    page.get_by_role("button", name="Find").click()
    match = page.locator(f"li[data-customer='{customer_id}']")
    expect(match).to_contain_text("Pat Caller")
    match.get_by_role("link", name="This is the caller").click()
    expect(page.locator("[data-chosen]")).to_contain_text("pat@example.com")
    page.locator("#order_ref").select_option("ORD-PAT-1")
    page.locator("#category").select_option("lost-stolen-package")
    page.fill("#subject", "Parcel stolen from the porch")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#err-body")).to_contain_text("write down what the caller said")
    expect(page.locator("#subject")).to_have_value("Parcel stolen from the porch")
    page.fill("#body", "Pat called: the camera shows someone taking the parcel at noon.")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    timeline = page.locator(".timeline")
    expect(timeline.locator(".kind-message_in")).to_contain_text("camera shows someone")
    expect(timeline.locator(".kind-message_in")).to_contain_text("phone")
    expect(page.locator("#playbook")).to_contain_text("1. Greet Customer")
    expect(page.locator(".case-head")).to_contain_text("ORD-PAT-1")
    shot(page, "new-case-for-a-caller")
    with server.runtime.db.transaction(write=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.customer_id, case.channel, case.category) == (
            customer_id,
            "phone",
            "lost-stolen-package",
        )


def test_a_new_caller_known_only_by_phone(page: Page, server: Server) -> None:
    sign_in(page, server, "agent")
    page.goto(f"{server.url}/cases/new")
    page.fill("#name", "Robin Walkin")
    page.fill("#phone", "1234")
    page.locator("input[name=how][value=walk-in]").check()
    page.locator("#category").select_option("minor-damage")
    page.fill("#subject", "Card arrived bent")
    page.fill("#body", "Robin came to the counter with a bent card.")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("#err-phone")).to_contain_text("country code")
    expect(page.locator("#name")).to_have_value("Robin Walkin")
    _no_engine_words(page)
    page.fill("#phone", "+49 30 7654321")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".case-head")).to_contain_text("Robin Walkin")
    # The same number in another form finds Robin now.
    page.goto(f"{server.url}/cases/new?q=0049307654321")
    expect(page.locator("ul.callers")).to_contain_text("Robin Walkin")


def _open_stop(scope: Locator) -> None:
    details = scope.locator("details.run-stop").first
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def test_refused_playbook_acts_stay_on_the_case_page(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "My parcel was stolen", "lost-stolen-package")
    sign_in(page, server, "agent")
    page.goto(f"{server.url}/cases/{case_id}")
    panel = page.locator("#playbook")
    # Another agent stops the run meanwhile: the button on this page no longer fits.
    run = list_case_runs(rt.db, SYSTEM, case_id)[0]
    do_send_event(rt.db, rt.clock, rt.desk, SYSTEM, run.id, ev.Stop(reason="taken over"))
    panel.get_by_role("button", name="Tick").first.click()
    expect(page.locator("h1")).to_have_text("My parcel was stolen")
    refusal = panel.locator("[role=alert]")
    expect(refusal).to_contain_text("does not apply now")
    expect(refusal).to_contain_text("reload the case")
    _no_engine_words(page)
    shot(page, "refused-act-stays-on-the-page")
    # Restarting needs a reason too; then the playbook starts again from its first step.
    _open_stop(panel)
    panel.get_by_role("button", name="Restart from the first step").click()
    expect(panel.locator("[role=alert]")).to_contain_text("say why you restart the playbook")
    panel.locator("input[name=reason]").first.fill("the customer called back")
    panel.get_by_role("button", name="Restart from the first step").click()
    live = panel.locator(".run[data-status=waiting]")
    expect(live).to_contain_text("1. Greet Customer")
    expect(page.locator(".timeline")).to_contain_text("restarted: the customer called back")
    # A checklist item that records a value, ticked without it.
    for step in ("2. Listen", "3. Empathize", "4. Verify"):
        for _ in range(2):
            live.get_by_role("button", name="Tick").first.click()
        expect(live).to_contain_text(step)
    live.get_by_role("button", name="Tick").first.click()
    expect(panel.locator("[role=alert]")).to_contain_text("fill in the full name first")
    _no_engine_words(page)
    # Stopping needs a reason; the reason lands on the timeline.
    _open_stop(live)
    live.get_by_role("button", name="Stop").click()
    expect(panel.locator("[role=alert]")).to_contain_text("say why you stop the playbook")
    live.locator("input[name=reason]").fill("customer found the parcel at a neighbour")
    live.get_by_role("button", name="Stop").click()
    expect(panel.locator(".run[data-status=waiting]")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("found the parcel at a neighbour")


def test_the_conversation_view_leaves_out_system_events_and_names_the_assignee(
    page: Page, server: Server
) -> None:
    rt = server.runtime
    case_id = make_case(server, "Which box should I buy?", None)
    do_add_message(
        rt.db, rt.clock, SYSTEM, case_id, AddMessage(kind="note", body="Asked twice."), rt.desk
    )
    with rt.db.transaction(write=False) as session:
        senior = session.scalar(select(Agent.id).where(Agent.email == "senior@example.com"))
        assert senior is not None
        name = load_agent(session, senior).name
    changes = check_change_case(rt.db, SYSTEM, rt.desk, case_id, ChangeCase(assignee_id=senior))
    do_change_case(rt.db, rt.clock, SYSTEM, case_id, changes, None, rt.desk)
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/cases/{case_id}")
    expect(page.locator("[data-assignee]")).to_have_text(name)
    timeline = page.locator(".timeline")
    expect(timeline.locator(".kind-routing")).to_have_count(1)
    # Europe/Berlin in November is UTC+1: 09:00 UTC reads 10:00 CET.
    expect(timeline.locator(".kind-message_in .meta")).to_contain_text("10:00 CET")
    page.get_by_role("link", name="Conversation only").click()
    expect(timeline.locator(".kind-routing")).to_have_count(0)
    expect(timeline.locator(".kind-message_in")).to_have_count(1)
    expect(timeline.locator(".kind-note")).to_contain_text("Asked twice.")
    shot(page, "conversation-only")


def test_an_approver_rejects_with_a_reason_and_a_confirmation(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Trade-in: Pixel 9", "proof-of-purchase-hold")
    with rt.db.transaction(write=False) as session:
        senior = session.scalar(select(Agent.id).where(Agent.email == "senior@example.com"))
    changes = check_change_case(rt.db, SYSTEM, rt.desk, case_id, ChangeCase(assignee_id=senior))
    do_change_case(rt.db, rt.clock, SYSTEM, case_id, changes, None, rt.desk)
    run = list_case_runs(rt.db, SYSTEM, case_id)[0]
    first = ev.Ticked(item="all")  # the case has no order: the numbers are typed next
    do_send_event(rt.db, rt.clock, rt.desk, SYSTEM, run.id, first)
    tick = ev.Ticked(item="all", values={"v_number": "V-9001", "s_number": "S-4242"})
    do_send_event(rt.db, rt.clock, rt.desk, SYSTEM, run.id, tick)
    do_send_event(rt.db, rt.clock, rt.desk, SYSTEM, run.id, ev.Replied(party="customer"))
    sign_in(page, server, "arvin")
    page.goto(f"{server.url}/approvals")
    card = page.locator(f"section.approval[data-run='{run.id}']")
    expect(card.locator("[data-fact=customer]")).to_contain_text("Casey Customer")
    expect(card.locator("[data-fact=v_number]")).to_have_text("V-9001")
    expect(card.locator("[data-fact=order]")).to_be_visible()
    card.get_by_role("button", name="Reject…").click()
    card = page.locator(f"section.approval[data-run='{run.id}']")
    expect(card.locator("[role=alert]")).to_contain_text("a rejection needs a reason")
    card.locator("textarea").fill("The receipt is for another device")
    card.get_by_role("button", name="Reject…").click()
    confirm = page.get_by_role("form", name="Confirm the rejection")
    expect(confirm).to_contain_text("The receipt is for another device")
    shot(page, "approval-confirm-rejection")
    assert list_case_runs(rt.db, SYSTEM, case_id)[0].step == "ask-approval"  # not decided yet
    confirm.get_by_role("button", name="Yes, reject").click()
    expect(page.locator(f"section.approval[data-run='{run.id}']")).to_have_count(0)
    page.goto(f"{server.url}/cases/{case_id}")
    expect(page.locator(".timeline .kind-approval").last).to_contain_text(
        "rejected by Arvin: The receipt is for another device"
    )
    with rt.db.transaction(write=False) as session:
        mails = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.case_id == case_id,
                OutboxMessage.idempotency_key.like(f"run:{run.id}:%"),
            )
        ).all()
    assert len(mails) == 1
    expect(page.locator(".timeline")).to_contain_text("The approval was rejected by Arvin")


def test_a_collision_notice_when_another_agent_has_the_case_open_or_replied(
    page: Page, server: Server, browser: Browser
) -> None:
    rt = server.runtime
    # A customer of their own: Casey's history from other tests would escalate the case.
    command = CreateCase(
        customer_email="duo@example.com",
        subject="Two agents, one case",
        body="My parcel was stolen.",
        category="lost-stolen-package",
    )
    plan = check_create_case(rt.db, SYSTEM, rt.desk, command)
    case_id = do_create_case(rt.db, rt.clock, rt.desk, SYSTEM, command, plan).id
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/cases/{case_id}")
    expect(page.locator("#presence")).not_to_contain_text("open too")
    other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    try:
        sign_in(other, server, "admin")
        other.goto(f"{server.url}/cases/{case_id}")
        # The admin's page finds the senior agent's heartbeat at once.
        expect(other.locator("[data-viewing]")).to_have_text("Senior has this case open too.")
        other.fill("#reply-body", "We are on it.")
        other.get_by_role("button", name="Send reply").click()
        expect(other.locator(".timeline")).to_contain_text("We are on it.")
        # The senior agent's page hears of it on its next beat (forced here, not waited for).
        page.evaluate("htmx.trigger('#presence', 'refresh')")
        expect(page.locator("[data-replied]")).to_contain_text("Admin replied to the customer")
        expect(page.locator("[data-viewing]")).to_have_text("Admin has this case open too.")
        shot(page, "collision-notice")
    finally:
        other_context.close()


def test_merge_a_duplicate_link_a_related_case_and_split_a_message(
    page: Page, server: Server
) -> None:
    rt = server.runtime
    survivor = make_case(server, "Where is my order?", "missing-item")
    duplicate = make_case(server, "Order still not here", "missing-item")
    related = make_case(server, "Refund for the last order", "missing-item")
    second = AddMessage(kind="inbound", body="Also: my address changed to Elm Street 5.")
    do_add_message(rt.db, rt.clock, SYSTEM, duplicate, second, rt.desk)
    sign_in(page, server, "senior")
    page.goto(f"{server.url}/cases/{duplicate}")
    form = page.get_by_role("form", name="Link or merge")
    form.locator("#link-other").fill(str(duplicate))
    form.get_by_role("button", name="Link").click()
    expect(page.locator("#err-other_id")).to_contain_text("cannot be linked to itself")
    _no_engine_words(page)
    # Split the address change off before merging.
    message = page.locator(".kind-message_in", has_text="Elm Street")
    message.locator("summary").click()
    message.locator("button", has_text="Split off").click()
    expect(page.locator("#err-split")).to_contain_text("give the new case a subject")
    message = page.locator(".kind-message_in", has_text="Elm Street")
    message.locator("summary").click()
    message.locator("input[name=subject]").fill("Address change")
    message.locator("button", has_text="Split off").click()
    expect(page.locator("h1")).to_have_text("Address change")
    expect(page.locator(".timeline .kind-message_in")).to_contain_text("Elm Street 5")
    expect(page.locator("[data-link=split-from]")).to_contain_text(f"#{duplicate}")
    page.goto(f"{server.url}/cases/{duplicate}")
    form.locator("#link-other").fill(str(survivor))
    form.locator("input[name=kind][value=merged]").check()
    form.locator("#link-reason").fill("same order asked twice")
    form.get_by_role("button", name="Link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{survivor}$"))
    timeline = page.locator(".timeline")
    expect(timeline.locator(f"[data-from-case='{duplicate}']").first).to_be_visible()
    expect(page.locator("[data-link=merged-from]")).to_contain_text(f"#{duplicate}")
    # Interleaved by time: the survivor's first message comes before the duplicate's.
    ids = page.locator(".timeline li.kind-message_in").evaluate_all(
        "els => els.map(e => e.querySelector('[data-from-case]') ? 'dup' : 'own')"
    )
    assert ids[0] == "own" and "dup" in ids
    form.locator("#link-other").fill(str(related))
    form.get_by_role("button", name="Link").click()
    expect(page.locator("[data-link=related]")).to_contain_text(f"#{related}")
    shot(page, "merged-and-linked")
    page.goto(f"{server.url}/cases/{duplicate}")
    expect(page.locator(".case-head .status")).to_have_text("closed")
    expect(page.locator("[data-link=merged-into]")).to_contain_text(f"#{survivor}")
