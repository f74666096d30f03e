"""Sign-in against an attacker: spraying one password over many e-mails from one address, a
made-up X-Forwarded-For, and an unknown e-mail that must cost the same argon2 work as a known one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sopdesk.cli.serve import _uvicorn_config
from sopdesk.engine.accounts import password_work
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from sopdesk.web.ui import FAILED_LOGINS_PER_ADDRESS
from tests.ui.conftest import PASSWORD, csrf_of


def _try(browser: TestClient, email: str, password: str, **headers: str) -> int:
    token = csrf_of(browser.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    return browser.post("/login", data=data, headers=headers).status_code


def test_spraying_many_e_mails_from_one_address_is_stopped(
    browser: TestClient, people: dict, runtime: Runtime
) -> None:
    for n in range(FAILED_LOGINS_PER_ADDRESS):
        assert _try(browser, f"victim{n}@example.com", "Summer2026!") == 401
    # The next e-mail, even with the right password, waits: the address is spent.
    assert _try(browser, "agent@example.com", PASSWORD) == 429
    runtime.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    assert _try(browser, "agent@example.com", PASSWORD) == 303


def test_a_made_up_forwarded_for_does_not_reset_the_limit(
    browser: TestClient, people: dict
) -> None:
    for n in range(FAILED_LOGINS_PER_ADDRESS):
        spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert _try(browser, f"victim{n}@example.com", "Summer2026!", **spoofed) == 401
    assert _try(browser, "x@example.com", "nope", **{"X-Forwarded-For": "198.51.100.7"}) == 429


@pytest.fixture
def behind_proxy(runtime: Runtime) -> Iterator[TestClient]:
    """The app as it runs behind a configured proxy (TestClient's peer is 'testclient')."""
    settings = runtime.settings.model_copy(update={"trusted_proxies": ["testclient"]})
    proxied = Runtime(settings=settings, db=runtime.db, desk=runtime.desk, clock=runtime.clock)
    with TestClient(create_app(proxied), follow_redirects=False) as client:
        yield client


def test_a_configured_proxy_s_forwarded_for_names_the_client(
    behind_proxy: TestClient, people: dict
) -> None:
    crowd = {"X-Forwarded-For": "203.0.113.9, testclient"}
    for n in range(FAILED_LOGINS_PER_ADDRESS):
        assert _try(behind_proxy, f"victim{n}@example.com", "Summer2026!", **crowd) == 401
    assert _try(behind_proxy, "agent@example.com", PASSWORD, **crowd) == 429
    # Another client behind the same proxy has its own budget.
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert _try(behind_proxy, "agent@example.com", PASSWORD, **other) == 303


def test_uvicorn_itself_believes_no_forwarded_header(runtime: Runtime) -> None:
    assert _uvicorn_config(runtime.settings, "sopdesk.web.factory:app").proxy_headers is False


@pytest.mark.parametrize("email", ["nobody@example.com", "agent@example.com"])
def test_every_sign_in_spends_one_password_verification(
    browser: TestClient, people: dict, email: str
) -> None:
    before = password_work()
    assert _try(browser, email, "wrong password") == 401
    assert password_work() - before == 1


def test_the_partner_portal_spends_the_same_work_for_an_unknown_e_mail(
    browser: TestClient,
) -> None:
    token = csrf_of(browser.get("/partner/login").text)
    data = {"email": "nobody@shop.example", "password": "wrong", "csrf_token": token}
    before = password_work()
    assert browser.post("/partner/login", data=data).status_code == 401
    assert password_work() - before == 1
