"""A held draft in chromium: the agent sees why nothing was sent, is refused while a gap
remains (the text stays), fills it in and sends; the timeline shows the message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from tests.e2e.conftest import Server, shot, sign_in

pytestmark = pytest.mark.e2e


def test_an_agent_fills_in_a_held_draft_and_sends_it(page: Page, server: Server) -> None:
    rt = server.runtime
    system = Principal.system()
    # A nameless customer: the critical-issue reply ("Hi {{ customer.first_name }}") waits.
    command = CreateCase(
        customer_email="nameless@example.com",
        subject="Stamp cards cannot be issued",
        body="Nothing works since this morning.",
        category="critical-platform-issue",
    )
    plan = check_create_case(rt.db, system, rt.desk, command)
    case_id = do_create_case(rt.db, rt.clock, rt.desk, system, command, plan).id
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/cases/{case_id}")
    draft = page.locator("section.draft")
    expect(draft).to_contain_text("Nothing was sent")
    expect(draft).to_contain_text("customer.first_name")
    body = draft.locator("textarea[name=body]")
    expect(body).to_have_value(re.compile(r"\[\[fill in: customer\.first_name\]\]"))
    draft.locator("button", has_text="Send").click()
    # Refused on the page, in words an agent understands, with the text kept.
    draft = page.locator("section.draft")
    expect(draft).to_contain_text("Fill in customer.first_name before sending")
    text = draft.locator("textarea[name=body]").input_value()
    assert "[[fill in: customer.first_name]]" in text
    draft.locator("textarea[name=body]").fill(
        text.replace("[[fill in: customer.first_name]]", "Sam")
    )
    shot(page, "draft-fill-in")
    draft.locator("button", has_text="Send").click()
    expect(page.locator("section.draft")).to_have_count(0)
    expect(page.locator(".event.kind-message_out").last).to_contain_text("Hi Sam,")
