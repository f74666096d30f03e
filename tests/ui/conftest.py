"""Fixtures for console tests: a runtime on the starter desk, signed-in browsers by persona.

Personas are real agents with real passwords, created through the engine's service functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sopdesk.domain.cases import Role
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import CreateAgent, do_create_agent
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.runtime import Runtime
from sopdesk.web.app import create_app
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]
PASSWORD = "correct horse battery"
PERSONAS = {
    # name: (level, roles)
    "admin": (4, [Role.ADMIN]),
    "approver": (2, [Role.APPROVER]),
    "agent": (1, [Role.AGENT]),
    "senior": (2, [Role.AGENT]),
}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def people(runtime: Runtime) -> dict[str, int]:
    made = {}
    for name, (level, roles) in PERSONAS.items():
        agent = do_create_agent(
            runtime.db,
            runtime.clock,
            CreateAgent(
                email=f"{name}@example.com",
                name=name.title(),
                level=level,
                roles=roles,
                password=PASSWORD,
            ),
        )
        made[name] = agent.id
    return made


@pytest.fixture
def browser(runtime: Runtime) -> Iterator[TestClient]:
    """A signed-out browser: cookies kept between requests, redirects not followed."""
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in(runtime: Runtime, people: dict[str, int]) -> Iterator[Callable[[str], TestClient]]:
    """Opens a browser signed in as the named persona."""
    opened: list[TestClient] = []

    def open_as(name: str) -> TestClient:
        client = TestClient(create_app(runtime), follow_redirects=False)
        client.__enter__()
        opened.append(client)
        sign_in(client, f"{name}@example.com")
        return client

    yield open_as
    for client in opened:
        client.__exit__(None, None, None)


def open_case(runtime: Runtime, command: CreateCase) -> int:
    """The case `command` describes, opened by the system through the one creation path."""
    system = Principal.system()
    plan = check_create_case(runtime.db, system, runtime.desk, command)
    return do_create_case(runtime.db, runtime.clock, runtime.desk, system, command, plan).id


@pytest.fixture
def make_case(runtime: Runtime) -> Callable[..., int]:
    def make(subject: str = "Where is my card?", category: str | None = None) -> int:
        command = CreateCase(
            customer_email="casey@example.com",
            customer_name="Casey Customer",
            subject=subject,
            body="My card never arrived.",
            category=category,
        )
        return open_case(runtime, command)

    return make


def desk_folder(runtime: Runtime) -> Path:
    return runtime.settings.desk
