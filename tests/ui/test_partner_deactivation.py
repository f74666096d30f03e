"""Deactivating a partner user, from the CLI, the API and the admin page: their open sessions
end at once, their sign-in and invitation link are refused, and reactivating lets them back."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from sopdesk.domain.cases import Role
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.engine.partner_invites import InvitePartnerUser, do_invite_partner_user, invite_url
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from tests.engine.test_partner_tasks import PASSWORD, SHOPS, Shop, make_shop
from tests.ui.conftest import csrf_of, sign_in
from tests.ui.test_partner_invite import _cli
from tests.ui.test_partner_portal import partner_sign_in

USER = "shop@northside.example"


@pytest.fixture
def shops(runtime: Runtime) -> dict[str, Shop]:
    return {slug: make_shop(runtime, slug, name) for slug, name in SHOPS.items()}


@pytest.fixture
def browsers(runtime: Runtime) -> Iterator[Callable[[], TestClient]]:
    opened: list[TestClient] = []

    def open_one() -> TestClient:
        client = TestClient(create_app(runtime), follow_redirects=False)
        client.__enter__()
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        client.__exit__(None, None, None)


def _refused_sign_in(client: TestClient, email: str = USER) -> None:
    token = csrf_of(client.get("/partner/login").text)
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    refused = client.post("/partner/login", data=data)
    assert refused.status_code == 401 and "wrong e-mail or password" in refused.text


def test_the_cli_deactivates_a_user_ends_their_sessions_and_reactivates_them(
    runtime: Runtime,
    shops: dict[str, Shop],
    browsers: Callable[[], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second, other_shop = browsers(), browsers(), browsers()
    partner_sign_in(first, USER)
    partner_sign_in(second, USER)
    partner_sign_in(other_shop, "shop@golden.example")
    assert first.get("/partner").status_code == 200
    said = _cli(runtime, monkeypatch, "partner", "user", "deactivate", "--email", USER.upper())
    assert f"Partner user {USER}" in said and "deactivated" in said
    for ended in (first, second):
        gone = ended.get("/partner")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/partner/login")
    assert other_shop.get("/partner").status_code == 200  # another user's session lives on
    _refused_sign_in(browsers())
    said = _cli(runtime, monkeypatch, "partner", "user", "activate", "--email", USER)
    assert "active again" in said
    again = browsers()
    partner_sign_in(again, USER)
    assert again.get("/partner").status_code == 200


def test_an_unknown_user_is_one_clear_line_from_the_cli(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from sopdesk.cli.app import app

    monkeypatch.setenv("SOPDESK_DATABASE_URL", runtime.settings.db_url)
    result = CliRunner().invoke(app, ["partner", "user", "deactivate", "--email", "no@x.example"])
    assert result.exit_code != 0 and "no partner user no@x.example" in result.output
    assert "Traceback" not in result.output


def test_the_api_deactivates_only_for_admins_and_refuses_the_invitation_link(
    runtime: Runtime, shops: dict[str, Shop], browsers: Callable[[], TestClient]
) -> None:
    secret = runtime.settings.resolved_secret_key()
    invite = InvitePartnerUser(partner="golden", email="new@golden.example", name="New")
    made = do_invite_partner_user(
        runtime.db, runtime.clock.now(), secret, shops["golden"].principal.id, invite
    )
    link = invite_url("", made.token)
    assert shops["golden"].principal.id is not None
    tokens = {}
    for name, roles in (("admin", [Role.ADMIN]), ("lead", [Role.LEAD])):
        agent = do_create_agent(
            runtime.db,
            runtime.clock,
            CreateAgent(email=f"{name}@example.com", name=name, roles=roles),
        )
        secret_token = do_create_token(runtime.db, runtime.clock, agent.id, "t").token
        tokens[name] = {"Authorization": f"Bearer {secret_token}"}
    api = browsers()
    path = f"/api/v1/partners/users/{made.user_id}"
    assert api.patch(path, json={"active": False}, headers=tokens["lead"]).status_code == 403
    assert api.get(link).status_code == 200  # unchanged by the refusal
    done = api.patch(path, json={"active": False}, headers=tokens["admin"])
    assert done.status_code == 200
    assert done.json() == {"id": made.user_id, "email": "new@golden.example", "active": False}
    refused = api.get(link)
    assert refused.status_code == 403 and "no longer exists" in refused.text
    missing = api.patch(
        "/api/v1/partners/users/999999", json={"active": False}, headers=tokens["admin"]
    )
    assert missing.status_code == 404
    bad = api.patch(path, json={"active": "maybe"}, headers=tokens["admin"])
    assert bad.status_code == 422


def test_the_admin_page_deactivates_and_reactivates_a_user(
    runtime: Runtime, shops: dict[str, Shop], browsers: Callable[[], TestClient]
) -> None:
    do_create_agent(
        runtime.db,
        runtime.clock,
        CreateAgent(
            email="admin@example.com", name="Admin", roles=[Role.ADMIN], password="admin password 1"
        ),
    )
    admin, portal = browsers(), browsers()
    sign_in(admin, "admin@example.com", "admin password 1")
    partner_sign_in(portal, USER)
    page = admin.get("/admin/partners").text
    row = page.split(f'data-partner-user="{USER}"')[1].split("</li>")[0]
    assert "can sign in" in row and "Deactivate" in row
    action = row.split('action="')[1].split('"')[0]
    posted = admin.post(action, data={"active": "no", "csrf_token": csrf_of(page)})
    assert posted.status_code == 303
    row = admin.get("/admin/partners").text.split(f'data-partner-user="{USER}"')[1]
    assert "deactivated" in row.split("</li>")[0] and "Reactivate" in row.split("</li>")[0]
    assert portal.get("/partner").status_code == 303
    _refused_sign_in(browsers())
    posted = admin.post(action, data={"active": "yes", "csrf_token": csrf_of(page)})
    assert posted.status_code == 303
    partner_sign_in(browsers(), USER)
    unsigned = admin.post(action, data={"active": "no"})
    assert unsigned.status_code == 403  # no CSRF token: nothing changes
    again = browsers()
    partner_sign_in(again, USER)
    assert again.get("/partner").status_code == 200
