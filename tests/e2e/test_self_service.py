"""Self-service in real chromium: the help centre (topics, an article with its anchors, search,
"Did this answer your question?"), and the chat widget on a team's own page (another origin)
that asks the bot, gets a cited answer, says No, is handed off, and shows the agent's reply
typed in the console."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sopdesk.engine.kb import feedback_counts
from tests.e2e.conftest import Server, _free_port, shot, sign_in

QUESTION = "How much does premium consultation cost per hour?"


def test_the_help_centre_lists_topics_opens_an_article_searches_and_counts_feedback(
    server: Server, page: Page
) -> None:
    page.goto(f"{server.url}/help")
    expect(page.locator("h1")).to_have_text("How can we help?")
    assert page.locator(".help-topic").count() >= 3
    page.click("text=Billing and subscriptions") if page.locator(
        "text=Billing and subscriptions"
    ).count() else page.click('a[href="/help/billing"]')
    page.wait_for_url(re.compile(r"/help/billing$"))
    anchors = page.locator(".help-contents a")
    assert anchors.count() >= 2
    target = anchors.first.get_attribute("href") or ""
    anchors.first.click()
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    assert page.locator(f"section{target}").is_visible()
    shot(page, "help-article")
    before = feedback_counts(server.runtime.db, "billing")
    page.click(".help-feedback button[value=yes]")
    expect(page.locator(".help-feedback [role=status]")).to_contain_text("Thank you")
    assert feedback_counts(server.runtime.db, "billing") == (before[0] + 1, before[1])
    page.fill("#help-q", "premium consultation price")
    page.click(".help-search button")
    first = page.locator(".help-result a").first
    assert (first.get_attribute("href") or "").startswith("/help/premium-consultation")
    shot(page, "help-search")
    page.click('.help-languages a[hreflang="de"]')
    expect(page.locator('a[href="/help/paket-verloren"]')).to_be_visible()


@pytest.fixture
def team_site(server: Server, tmp_path: Path) -> Iterator[str]:
    """A team's own page on another origin with the widget's one script tag."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Loopy shop</title></head><body><h1>Loopy shop</h1>"
        f"<script src='{server.url}/static/widget.js' defer></script></body></html>"
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    port = _free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/index.html"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_the_widget_answers_hands_off_on_no_and_shows_the_agent_s_reply_at_390px(
    server: Server, browser: Browser, team_site: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        widget = context.new_page()
        widget.set_default_timeout(15_000)
        widget.goto(team_site)
        widget.click(".sdw-launcher")
        widget.fill(".sdw-form textarea", QUESTION)
        widget.click(".sdw-form button[type=submit]")
        answer = widget.locator(".sdw-bot").first
        # The first question loads the bot's models and trains triage beside the desk copy.
        expect(answer).to_contain_text("$195", timeout=90_000)
        cite = answer.locator(".sdw-cite")
        assert (cite.get_attribute("href") or "").startswith(
            f"{server.url}/help/premium-consultation"
        )
        overflow = widget.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the widget is {overflow}px wider than a 390px phone"
        shot(widget, "widget-answer-390")
        answer.locator(".sdw-feedback button", has_text="No").click()
        expect(widget.locator(".sdw-contact")).to_be_visible()  # no address yet: it asks
        widget.fill(".sdw-contact input[type=email]", "maria@example.com")
        widget.click(".sdw-contact button[type=submit]")
        expect(widget.locator(".sdw-status")).to_have_text("Our team has your conversation.")
        handed = widget.locator(".sdw-bot", has_text="I have passed this to our team")
        expect(handed).to_contain_text("Our team will answer you within")
        case_id = int(re.search(r"case #(\d+)", handed.inner_text()).group(1))  # type: ignore[union-attr]

        agent = context.new_page()
        agent.set_default_timeout(15_000)
        sign_in(agent, server, "admin")
        agent.goto(f"{server.url}/?view=all")
        link = agent.locator(f'a[href="/cases/{case_id}"]').first
        expect(link).to_be_visible()  # the hand-off case is in the agent's queue
        link.click()
        expect(agent.locator("body")).to_contain_text(QUESTION)  # the transcript
        agent.fill("#reply-body", "Hello Maria, Sam here: the hour is $195, I can book you.")
        agent.click("form.reply button[type=submit]")
        agent.wait_for_load_state()

        reply = widget.locator(".sdw-agent")
        expect(reply).to_contain_text("Sam here", timeout=20_000)
        expect(widget.locator(".sdw-status")).to_have_text("You are chatting with our team.")
        expect(widget.locator(".sdw-person")).to_be_hidden()
        shot(widget, "widget-agent-reply-390")
    finally:
        context.close()


def test_the_agent_s_reply_reaches_the_widget_through_the_live_stream(
    server: Server, browser: Browser, team_site: str
) -> None:
    """Polling is cut off (every GET of the conversation aborted), so the reply can only come
    by the Server-Sent Events stream."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        widget = context.new_page()
        widget.set_default_timeout(15_000)
        polls = re.compile(r".*/api/v1/bot/conversations/[^/]+$")
        widget.route(
            polls,
            lambda route: route.abort() if route.request.method == "GET" else route.continue_(),
        )
        widget.goto(team_site)
        widget.click(".sdw-launcher")
        widget.click(".sdw-person")
        expect(widget.locator(".sdw-contact")).to_be_visible()  # no address yet: it asks
        widget.fill(".sdw-contact input[type=email]", "jonas@example.com")
        widget.click(".sdw-contact button[type=submit]")
        # The first hand-off of the session trains triage for the case it opens.
        expect(widget.locator(".sdw-status")).to_have_text(
            "Our team has your conversation.", timeout=90_000
        )
        expect(widget.locator(".sdw-root")).to_have_attribute("data-live", "sse")
        handed = widget.locator(".sdw-bot", has_text="I have passed this to our team")
        case_id = int(re.search(r"case #(\d+)", handed.inner_text()).group(1))  # type: ignore[union-attr]

        agent = context.new_page()
        agent.set_default_timeout(15_000)
        sign_in(agent, server, "admin")
        agent.goto(f"{server.url}/cases/{case_id}")
        agent.fill("#reply-body", "Hello Jonas, Kim here: live from the console.")
        agent.click("form.reply button[type=submit]")
        agent.wait_for_load_state()

        expect(widget.locator(".sdw-agent")).to_contain_text("Kim here", timeout=20_000)
        expect(widget.locator(".sdw-status")).to_have_text("You are chatting with our team.")
        expect(widget.locator(".sdw-root")).to_have_attribute("data-live", "sse")
    finally:
        context.close()
