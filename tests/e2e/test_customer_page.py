"""The customer page in a real headless chromium: reached from search, merge and unmerge."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.customers import CreateCustomer, do_create_customer
from tests.e2e.conftest import Server, shot, sign_in

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()


def _case(server: Server, email: str, subject: str) -> int:
    rt = server.runtime
    command = CreateCase(
        customer_email=email, customer_name="Robin Page", subject=subject, body="Hi"
    )
    plan = check_create_case(rt.db, SYSTEM, rt.desk, command)
    return do_create_case(rt.db, rt.clock, rt.desk, SYSTEM, command, plan).id


def test_customer_page_merge_and_unmerge(page: Page, server: Server) -> None:
    rt = server.runtime
    keep = do_create_customer(
        rt.db,
        rt.clock.now(),
        CreateCustomer(email="robin.page@example.com", name="Robin Page"),
        None,
    )
    other = do_create_customer(
        rt.db, rt.clock.now(), CreateCustomer(email="robin.old@example.com", name="Robin P"), None
    )
    kept = _case(server, "robin.page@example.com", "Sleeve torn")
    moved = _case(server, "robin.old@example.com", "Wrong card sent")
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/search?q=robin.page%40example.com")
    page.locator(".search-section", has_text="Customers").get_by_role("link").first.click()
    page.wait_for_url(f"**/customers/{keep.id}")
    expect(page.locator("#identities")).to_contain_text("robin.page@example.com")
    expect(page.locator("#cases")).to_contain_text("Sleeve torn")
    merge = page.locator("#merge form")
    merge.locator("input[name=other_id]").fill(str(other.id))
    merge.locator("button").click()  # no reason: refused on the page, nothing changed
    expect(page.locator("#merge .field-error")).to_contain_text("say why")
    merge.locator("input[name=other_id]").fill(str(other.id))
    merge.locator("input[name=reason]").fill("same collector, old address")
    merge.locator("button").click()
    page.wait_for_url("**?done=merged")
    expect(page.locator("#cases")).to_contain_text("Wrong card sent")
    expect(page.locator("#identities")).to_contain_text("robin.old@example.com")
    shot(page, "customer-page")
    page.locator("#history button", has_text="Unmerge").click()
    page.wait_for_url("**?done=unmerged")
    expect(page.locator("#cases")).not_to_contain_text("Wrong card sent")
    page.goto(f"{server.url}/customers/{other.id}")
    expect(page.locator("#cases")).to_contain_text("Wrong card sent")
    expect(page.locator("#identities")).to_contain_text("robin.old@example.com")
    # An admin exports everything as a zip from the page.
    with page.expect_download() as download:
        page.locator("#data button", has_text="Export").click()
    assert download.value.suggested_filename == f"customer-{other.id}.zip"
    assert kept and moved
