"""Search in a real headless chromium: the header's box, highlighted and escaped snippets,
filters, and an agent who finds only the cases of the levels they see."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from tests.e2e.conftest import Server, shot, sign_in

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()


def _case(server: Server, subject: str, body: str, category: str | None) -> int:
    rt = server.runtime
    command = CreateCase(
        customer_email="quinn.search@example.com",
        customer_name="Quinn Searcher",
        subject=subject,
        body=body,
        category=category,
    )
    plan = check_create_case(rt.db, SYSTEM, rt.desk, command)
    return do_create_case(rt.db, rt.clock, rt.desk, SYSTEM, command, plan).id


def test_the_search_box_finds_highlights_and_respects_levels(page: Page, server: Server) -> None:
    desk = server.runtime.desk
    low = next(c.slug for c in desk.categories.values() if c.level == 1)
    high = next(c.slug for c in desk.categories.values() if c.level == 4)
    visible = _case(
        server, "Hologram foil peeling", "The hologram foil <b>peels</b> off my card", low
    )
    hidden = _case(server, "Hologram fraud report", "A forged hologram on the card", high)
    sign_in(page, server, "admin")
    page.fill("header input[name=q]", "hologram")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=hologram")
    hits = page.locator("li.search-case")
    expect(hits).to_have_count(2)
    expect(page.locator("li.search-case mark").first).to_have_text("hologram")
    # The message's markup is shown as text, never rendered.
    escaped = page.locator("li.search-case", has_text=f"#{visible}").locator(".snippet")
    expect(escaped).to_contain_text("<b>peels</b>")
    page.select_option("select[name=level]", "4")
    page.click("form.search-filters button[type=submit]")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text(f"#{hidden}")
    page.goto(f"{server.url}/search?q=quinn.search%40example.com")
    expect(page.locator(".search-section h2", has_text="Customers")).to_be_visible()
    page.goto(f"{server.url}/search?q=hologram")
    shot(page, "search-results")
    page.click("form.signout button")
    sign_in(page, server, "agent")  # level 1: the level-4 case is not there for them
    page.fill("header input[name=q]", "hologram")
    page.press("header input[name=q]", "Enter")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text(f"#{visible}")
    expect(page.get_by_text(f"#{hidden}")).to_have_count(0)
