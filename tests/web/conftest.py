"""Fixtures for API tests: a runtime on the starter desk, a client, and named personas.

Personas are real agents with real tokens, created through the engine's service functions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sopdesk.desk import load_desk
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.web.app import create_app


@dataclass(frozen=True)
class Persona:
    name: str
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


PERSONAS = {
    # name: (level, roles)
    "admin": (4, [Role.ADMIN]),
    "lead": (2, [Role.LEAD]),
    "approver": (2, [Role.APPROVER]),
    "agent": (1, [Role.AGENT]),
    "senior": (3, [Role.AGENT]),
}


@pytest.fixture
def desk_dir(tmp_path: Path) -> Path:
    target = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), target)
    return target


@pytest.fixture
def runtime(db: Database, desk_dir: Path, clock: ManualClock) -> Iterator[Runtime]:
    settings = Settings(desk=desk_dir, database_url=db.url, max_attachment_bytes=64 * 1024)
    yield Runtime(settings=settings, db=db, desk=load_desk(desk_dir), clock=clock)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def people(runtime: Runtime) -> dict[str, Persona]:
    made = {}
    for name, (level, roles) in PERSONAS.items():
        agent = do_create_agent(
            runtime.db,
            runtime.clock,
            CreateAgent(email=f"{name}@example.com", name=name.title(), level=level, roles=roles),
        )
        token = do_create_token(runtime.db, runtime.clock, agent.id, "tests").token
        made[name] = Persona(name, agent.id, token)
    return made
