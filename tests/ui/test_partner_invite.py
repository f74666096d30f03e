"""Partners for real: `sopdesk partner add`, `sopdesk partner user add` with an invitation link,
the link's page that sets the password (once), then the portal sign-in with it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.engine.partner_users import authenticate_partner
from sopdesk.errors import Unauthorized
from sopdesk.runtime import Runtime
from tests.ui.conftest import csrf_of

NEW_PASSWORD = "a shop's own password"


def _cli(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", runtime.settings.db_url)
    monkeypatch.setenv("SOPDESK_DESK", str(runtime.settings.desk))
    monkeypatch.setenv("SOPDESK_SECRET_KEY", runtime.settings.resolved_secret_key())
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_shop_is_added_and_its_user_chooses_a_password_from_the_link(
    runtime: Runtime, browser: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = _cli(runtime, monkeypatch, "partner", "add", "--slug", "golden-pack",
                 "--name", "Golden Pack Cards", "--email", "orders@goldenpack.example")  # fmt: skip
    assert "Added partner golden-pack" in added
    invited = _cli(runtime, monkeypatch, "partner", "user", "add", "--partner", "golden-pack",
                   "--email", "Sam@GoldenPack.example", "--name", "Sam Shop")  # fmt: skip
    link = invited.split()[-1]
    assert link.startswith("http://127.0.0.1:8000/partner/invite/")
    path = link.removeprefix("http://127.0.0.1:8000")
    with pytest.raises(Unauthorized):  # no password yet: nobody can sign in as Sam
        authenticate_partner(runtime.db, "sam@goldenpack.example", "")

    page = browser.get(path)
    assert page.status_code == 200 and "sam@goldenpack.example" in page.text
    token = csrf_of(page.text)
    short = browser.post(path, data={"password": "short", "repeat": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = browser.post(
        path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "!", "csrf_token": token}
    )
    assert differ.status_code == 422 and "differ" in differ.text
    done = browser.post(
        path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": token}
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/partner/login")
    user_id, principal = authenticate_partner(runtime.db, "sam@goldenpack.example", NEW_PASSWORD)
    assert user_id and "Golden Pack Cards" in principal.name

    again = browser.get(path)  # a link works once
    assert again.status_code == 403 and "used already" in again.text
    forged = browser.get(path[:-3] + "abc")
    assert forged.status_code == 403 and "not valid" in forged.text


def test_a_user_for_an_unknown_partner_is_one_red_line(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPDESK_DATABASE_URL", runtime.settings.db_url)
    monkeypatch.setenv("SOPDESK_DESK", str(runtime.settings.desk))
    result = CliRunner().invoke(
        app, ["partner", "user", "add", "--partner", "nope", "--email", "x@example.com"]
    )
    assert result.exit_code == 1
    assert "no partner with slug 'nope'" in result.output


def test_the_api_adds_a_partner_and_invites_its_user(runtime: Runtime, browser: TestClient) -> None:
    from sopdesk.domain.cases import Role
    from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token

    admin = do_create_agent(
        runtime.db, runtime.clock, CreateAgent(email="a@example.com", name="A", roles=[Role.ADMIN])
    )
    headers = {
        "Authorization": f"Bearer {do_create_token(runtime.db, runtime.clock, admin.id, 't').token}"
    }
    made = browser.post(
        "/api/v1/partners", json={"slug": "api-shop", "name": "API Shop"}, headers=headers
    )
    assert made.status_code == 201 and made.json()["slug"] == "api-shop"
    again = browser.post(
        "/api/v1/partners", json={"slug": "api-shop", "name": "API Shop"}, headers=headers
    )
    assert again.status_code == 409
    user = browser.post(
        "/api/v1/partners/api-shop/users", json={"email": "u@api-shop.example"}, headers=headers
    )
    assert user.status_code == 201
    link = user.json()["invite_url"]
    page = browser.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and "u@api-shop.example" in page.text
    unknown = browser.post(
        "/api/v1/partners/nope/users", json={"email": "x@example.com"}, headers=headers
    )
    assert unknown.status_code == 404
