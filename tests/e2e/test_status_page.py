"""The public status page in real chromium: an incident opened through the API shows with its
update and the component's state, the uptime bars are drawn, and the page fits 390 px."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser
from sqlalchemy import select

from sopdesk.engine.accounts import do_create_token
from sopdesk.store.models import Agent
from tests.e2e.conftest import Server, shot


def test_an_incident_opened_through_the_api_shows_on_the_status_page_at_390px(
    server: Server, browser: Browser
) -> None:
    rt = server.runtime
    with rt.db.transaction(write=False) as session:
        admin_id = session.scalar(select(Agent.id).where(Agent.email == "admin@example.com"))
    assert admin_id is not None
    token = do_create_token(rt.db, rt.clock, admin_id, "e2e-status").token
    headers = {"Authorization": f"Bearer {token}"}
    incident = {
        "title": "Wallet passes do not refresh",
        "body": "We are looking into passes that show old stamps.",
        "components": {"wallet-passes": "partial_outage"},
    }
    opened = httpx.post(f"{server.url}/api/v1/status/incidents", json=incident, headers=headers)
    assert opened.status_code == 201, opened.text
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{server.url}/status")
        active = page.locator(f"#incident-{opened.json()['id']}")
        assert "Wallet passes do not refresh" in active.inner_text()
        assert "passes that show old stamps" in active.inner_text()
        assert "Wallet passes (partial outage)" in active.inner_text()
        assert page.locator("#component-wallet-passes .state").inner_text() == "Partial outage"
        assert page.locator("#component-api .state").inner_text() == "Operational"
        assert page.locator("svg.uptime").count() == len(rt.desk.status_page.components)
        assert page.locator("svg.uptime").first.locator("rect").count() == 90
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
        shot(page, "status-page-390")
    finally:
        context.close()
        done = httpx.post(
            f"{server.url}/api/v1/status/incidents/{opened.json()['id']}/resolve",
            json={"body": "Resolved."},
            headers=headers,
        )
        assert done.status_code == 200
