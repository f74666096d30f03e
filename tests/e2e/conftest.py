"""Browser tests: a real sopdesk server on a free loopback port, driven by Debian's chromium.

The server runs in a thread against a temporary copy of the starter desk and a SQLite file.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from sopdesk.desk import load_desk
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.accounts import CreateAgent, do_create_agent
from sopdesk.engine.kb import sync_kb
from sopdesk.packs import pack_path
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade
from sopdesk.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "correct horse battery"
PERSONAS = {
    "admin": (4, [Role.ADMIN]),
    "approver": (2, [Role.APPROVER]),
    "arvin": (2, [Role.APPROVER]),  # seed 001's named approver (desk.yaml approvers)
    "agent": (1, [Role.AGENT]),
    "senior": (2, [Role.AGENT]),
}


@dataclass
class Server:
    url: str
    runtime: Runtime
    clock: ManualClock


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("e2e")
    desk = root / "desk"
    shutil.copytree(pack_path("starter"), desk)
    db = Database(f"sqlite:///{root / 'sopdesk.db'}")
    upgrade(db.engine)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    runtime = Runtime(
        settings=Settings(desk=desk, database_url=db.url), db=db, desk=load_desk(desk), clock=clock
    )
    sync_kb(db, runtime.desk)  # the help centre and the bot search the desk's articles
    for name, (level, roles) in PERSONAS.items():
        do_create_agent(
            db,
            clock,
            CreateAgent(
                email=f"{name}@example.com",
                name=name.title(),
                level=level,
                roles=roles,
                password=PASSWORD,
            ),
        )
    port = _free_port()
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the sopdesk server did not start within 20 seconds")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", runtime, clock)
    uv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def sign_in(page: Page, server: Server, who: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", f"{who}@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
