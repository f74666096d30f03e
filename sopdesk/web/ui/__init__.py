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
from sopdesk.web.sessions import SessionCodec, SessionStore
from sopdesk.web.ui import (
    admin,
    admin_partners,
    approvals,
    board,
    callouts,
    case_actions,
    case_merge,
    case_page,
    customer,
    customer_record,
    help_centre,
    login,
    mailbox,
    new_case,
    partner,
    partner_invite,
    proof_print,
    queue,
    queue_views,
    reports,
    run_actions,
    search,
    status_admin,
    status_page,
)

STATIC = Path(__file__).resolve().parent.parent / "static"
LOGIN_ATTEMPTS_PER_MINUTE = 5  # per client address and e-mail
FAILED_LOGINS_PER_ADDRESS = 20  # per client address over all e-mails, in ADDRESS_WINDOW
ADDRESS_WINDOW = timedelta(minutes=15)


def install_console(app: FastAPI, runtime: Runtime) -> None:
    app.state.console_codec = SessionCodec(
        runtime.settings.resolved_secret_key(), SessionStore(runtime.db, runtime.clock)
    )
    app.state.console_login_limit = RateLimit(LOGIN_ATTEMPTS_PER_MINUTE, timedelta(minutes=1))
    app.state.console_address_limit = RateLimit(
        FAILED_LOGINS_PER_ADDRESS, ADDRESS_WINDOW, "failed sign-ins from your address"
    )
    for module in (
        login,
        queue,
        new_case,
        queue_views,
        case_page,
        proof_print,
        case_actions,
        case_merge,
        run_actions,
        board,
        approvals,
        reports,
        search,
        callouts,
        admin,
        admin_partners,
        partner,
        partner_invite,
        customer,
        customer_record,
        mailbox,
        status_admin,
        status_page,
        help_centre,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
