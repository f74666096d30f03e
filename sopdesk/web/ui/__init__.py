"""The agent console: server-rendered pages (Jinja2, HTMX) for agents, approvers and admins.

`install_console(app, runtime)` adds the pages, the static files and the session machinery.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sopdesk.runtime import Runtime
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.sessions import SessionCodec
from sopdesk.web.ui import (
    admin,
    approvals,
    board,
    callouts,
    case_actions,
    case_page,
    customer,
    login,
    partner,
    playbook_panel,
    queue,
    reports,
    status_admin,
    status_page,
)

STATIC = Path(__file__).resolve().parent.parent / "static"
LOGIN_ATTEMPTS_PER_MINUTE = 5


def install_console(app: FastAPI, runtime: Runtime) -> None:
    app.state.console_codec = SessionCodec(runtime.settings.resolved_secret_key())
    app.state.console_login_limit = RateLimit(LOGIN_ATTEMPTS_PER_MINUTE, timedelta(minutes=1))
    for module in (
        login,
        queue,
        case_page,
        case_actions,
        playbook_panel,
        board,
        approvals,
        reports,
        callouts,
        admin,
        partner,
        customer,
        status_admin,
        status_page,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
