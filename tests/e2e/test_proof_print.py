"""The print-ready proof of compliance in a real chromium: a seed-001 case whose reminder went
out a day late shows the late step, is signed with the desk version and the same SHA-256 as the
JSON export, lays out for paper under print media, and prints to a PDF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.compliance import case_proof
from sopdesk.engine.playbooks import do_send_event, list_case_runs
from sopdesk.engine.worker import WorkContext, Worker
from tests.e2e.conftest import Server, shot, sign_in
from tests.e2e.test_console_flows import make_case

pytestmark = pytest.mark.e2e
SYSTEM = Principal.system()


def test_the_proof_of_a_late_reminder_prints(page: Page, server: Server) -> None:
    rt = server.runtime
    case_id = make_case(server, "Trade-in on hold: iPhone 16", "proof-of-purchase-hold")
    run = list_case_runs(rt.db, SYSTEM, case_id)[0]
    # No order to read the numbers from: the first checklist, then the agent types them.
    for tick in (
        ev.Ticked(item="all"),
        ev.Ticked(item="all", values={"v_number": "V-7001", "s_number": "S-7002"}),
    ):
        do_send_event(rt.db, rt.clock, rt.desk, SYSTEM, run.id, tick)
    # The customer never answers; the worker runs a day after the week was up.
    server.clock.advance(timedelta(days=8))
    worker = Worker(WorkContext(rt.db, rt.clock, rt.desk))
    for _ in range(10):
        if not worker.tick().claimed:
            break
    signed = case_proof(rt.db, SYSTEM, rt.desk, case_id).signed()

    sign_in(page, server, "admin")
    page.goto(f"{server.url}/cases/{case_id}")
    page.locator("a[data-print-proof]").click()
    page.wait_for_url(f"{server.url}/cases/{case_id}/proof")
    late = page.locator(f"section.run[data-run='{run.id}'] tr[data-late]").first
    expect(late).to_contain_text("wait-for-proof")
    expect(late).to_contain_text("min late")
    expect(page.locator("[data-sha256]")).to_have_text(signed["sha256"])
    expect(page.locator("[data-desk-version]")).to_have_text(rt.desk.version)
    button = page.get_by_role("button", name="Print or save as PDF")
    expect(button).to_be_visible()
    shot(page, "proof-print")

    page.emulate_media(media="print")
    expect(button).to_be_hidden()  # @media print: only the report goes on paper
    expect(late).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    page.emulate_media(media="screen")


def test_the_reports_page_links_the_period_proof(page: Page, server: Server) -> None:
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/reports")
    page.locator("a[data-period-proof]").click()
    expect(page.locator("h1")).to_contain_text("Proof of compliance, runs started")
    expect(page.locator("#per-sop")).to_be_visible()
    expect(page.locator("[data-sha256]")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
