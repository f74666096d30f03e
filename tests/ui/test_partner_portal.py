"""The partner portal through the app: sign-in guards, one shop's tasks only, answers with
field errors kept, and sessions that cannot cross between the console and the portal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sopdesk.engine.partner_tasks import list_partner_tasks
from sopdesk.engine.playbooks import list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from tests.engine.test_partner_tasks import PASSWORD, SHOPS, SYSTEM, Shop, make_shop
from tests.ui.conftest import csrf_of


@pytest.fixture
def shops(runtime: Runtime) -> dict[str, Shop]:
    return {slug: make_shop(runtime, slug, name) for slug, name in SHOPS.items()}


def partner_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/partner/login").text)
    response = client.post(
        "/partner/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/partner"


@pytest.fixture
def portal(runtime: Runtime) -> Iterator[Callable[[str], TestClient]]:
    """Opens a browser signed in to the portal as the named shop's user."""
    opened: list[TestClient] = []

    def open_as(slug: str) -> TestClient:
        client = TestClient(create_app(runtime), follow_redirects=False)
        client.__enter__()
        opened.append(client)
        partner_sign_in(client, f"shop@{slug}.example")
        return client

    yield open_as
    for client in opened:
        client.__exit__(None, None, None)


def task_id(runtime: Runtime, shop: Shop) -> int:
    return list_partner_tasks(runtime.db, runtime.clock, shop.principal)[0].id


def test_signed_out_visitors_go_to_the_partner_sign_in(browser: TestClient) -> None:
    response = browser.get("/partner")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/partner/login")


def test_sign_in_needs_csrf_the_right_password_and_is_rate_limited(
    browser: TestClient, shops: dict[str, Shop]
) -> None:
    data = {"email": "shop@northside.example", "password": PASSWORD}
    assert browser.post("/partner/login", data=data).status_code == 403
    token = csrf_of(browser.get("/partner/login").text)
    wrong = browser.post("/partner/login", data={**data, "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401
    assert "wrong e-mail or password" in wrong.text
    assert 'value="shop@northside.example"' in wrong.text
    for _ in range(4):
        browser.post("/partner/login", data={**data, "password": "nope", "csrf_token": token})
    limited = browser.post("/partner/login", data={**data, "csrf_token": token})
    assert limited.status_code == 429 and "too many sign-in attempts" in limited.text


def test_a_shop_sees_only_its_tasks_and_another_shops_task_is_not_found(
    runtime: Runtime, shops: dict[str, Shop], portal: Callable[[str], TestClient]
) -> None:
    client = portal("northside")
    page = client.get("/partner")
    assert page.status_code == 200
    assert "Northside Breaks break" in page.text and "Golden Pack" not in page.text
    theirs = task_id(runtime, shops["golden"])
    assert client.get(f"/partner/tasks/{theirs}").status_code == 404
    token = csrf_of(page.text)
    post = client.post(f"/partner/tasks/{theirs}", data={"answer": "x", "csrf_token": token})
    assert post.status_code == 404
    assert client.get("/partner/tasks/999999").status_code == 404


def test_an_answer_with_errors_keeps_what_was_typed_then_moves_the_run(
    runtime: Runtime, shops: dict[str, Shop], portal: Callable[[str], TestClient]
) -> None:
    shop = shops["northside"]
    client = portal("northside")
    mine = task_id(runtime, shop)
    page = client.get(f"/partner/tasks/{mine}")
    assert "please verify" in page.text and "Charizard holo" in page.text
    token = csrf_of(page.text)
    typed = {"answer": "Verified <b>shipped</b>", "carrier": "USPS", "csrf_token": token}
    refused = client.post(f"/partner/tasks/{mine}", data=typed)
    assert refused.status_code == 422
    assert 'id="err-tracking_number"' in refused.text
    assert "Verified &lt;b&gt;shipped&lt;/b&gt;" in refused.text and 'value="USPS"' in refused.text
    assert client.post(f"/partner/tasks/{mine}", data={"answer": "ok"}).status_code == 403
    done = client.post(f"/partner/tasks/{mine}", data={**typed, "tracking_number": "9400 22"})
    assert done.status_code == 303
    assert "Answered" in client.get(f"/partner/tasks/{mine}").text
    (run,) = list_case_runs(runtime.db, SYSTEM, shop.case_id)
    assert run.step == "what-happened"


def test_overdue_tasks_carry_a_badge(
    runtime: Runtime, shops: dict[str, Shop], portal: Callable[[str], TestClient]
) -> None:
    client = portal("golden")
    assert "data-overdue" not in client.get("/partner").text
    runtime.clock.advance(timedelta(days=5))
    assert "data-overdue" in client.get("/partner").text


def test_console_and_portal_sessions_do_not_cross(
    runtime: Runtime,
    shops: dict[str, Shop],
    signed_in: Callable[[str], TestClient],
    portal: Callable[[str], TestClient],
) -> None:
    agent = signed_in("admin")
    assert agent.get("/partner").status_code == 403
    assert agent.get(f"/partner/tasks/{task_id(runtime, shops['golden'])}").status_code == 403
    shop = portal("golden")
    for path in ("/", f"/cases/{shops['golden'].case_id}", "/approvals"):
        response = shop.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    token = csrf_of(shop.get("/partner").text)
    out = shop.post("/partner/logout", data={"csrf_token": token})
    assert out.headers["location"] == "/partner/login"
    assert shop.get("/partner").status_code == 303
