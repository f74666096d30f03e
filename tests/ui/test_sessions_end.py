"""Sessions that end: a copied cookie is worth nothing after signing out, deactivation or a new
password; each sign-in makes a fresh session; the portal's sessions end the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from sopdesk.engine.accounts import UpdateAgent, do_update_agent
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from sopdesk.web.sessions import COOKIE
from tests.engine.test_partner_tasks import SHOPS, make_shop
from tests.ui.conftest import PASSWORD, csrf_of, sign_in
from tests.ui.test_partner_portal import partner_sign_in


def _replay(runtime: Runtime, cookie: str, path: str = "/") -> int:
    """What another browser holding a copy of the cookie gets."""
    with TestClient(create_app(runtime), follow_redirects=False) as thief:
        thief.cookies.set(COOKIE, cookie)
        return thief.get(path).status_code


def test_a_copied_cookie_is_refused_after_signing_out(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    agent = signed_in("agent")
    copied = agent.cookies[COOKIE]
    assert _replay(runtime, copied) == 200
    assert agent.post("/logout", data={"csrf_token": csrf_of(agent.get("/").text)}).is_redirect
    assert _replay(runtime, copied) == 303


@pytest.mark.parametrize(
    "change",
    [
        UpdateAgent(password="a brand new password"),
        UpdateAgent(active=False),
    ],
    ids=["new password", "deactivated"],
)
def test_a_change_to_the_agent_ends_their_sessions(
    runtime: Runtime,
    people: dict[str, int],
    signed_in: Callable[[str], TestClient],
    change: UpdateAgent,
) -> None:
    agent = signed_in("agent")
    copied = agent.cookies[COOKIE]
    do_update_agent(runtime.db, people["agent"], change)
    do_update_agent(runtime.db, people["agent"], UpdateAgent(active=True))  # back, but signed out
    assert agent.get("/").status_code == 303
    assert _replay(runtime, copied) == 303


def test_each_sign_in_is_a_new_session_and_the_one_before_ends(
    runtime: Runtime, browser: TestClient, people: dict[str, int]
) -> None:
    browser.get("/login")
    before = browser.cookies[COOKIE]  # as an attacker could plant it (session fixation)
    sign_in(browser, "agent@example.com")
    first = browser.cookies[COOKIE]
    assert first != before and _replay(runtime, before) == 303
    again = {"email": "agent@example.com", "password": PASSWORD}
    again["csrf_token"] = csrf_of(browser.get("/").text)
    assert browser.post("/login", data=again).status_code == 303
    assert browser.cookies[COOKIE] != first
    assert _replay(runtime, first) == 303
    assert browser.get("/").status_code == 200


def test_a_partner_user_s_copied_cookie_is_refused_after_signing_out(
    runtime: Runtime, browser: TestClient
) -> None:
    slug, name = next(iter(SHOPS.items()))
    make_shop(runtime, slug, name)
    partner_sign_in(browser, f"shop@{slug}.example")
    copied = browser.cookies[COOKIE]
    assert _replay(runtime, copied, "/partner") == 200
    token = csrf_of(browser.get("/partner").text)
    assert browser.post("/partner/logout", data={"csrf_token": token}).is_redirect
    assert _replay(runtime, copied, "/partner") == 303
