"""Builds the FastAPI application for a Runtime: API routers, problem handlers, limits.

`create_app(runtime)` is used by `sopdesk serve`, the tests and the benchmarks alike.
"""

from __future__ import annotations

from fastapi import FastAPI

import sopdesk
from sopdesk import embeddings
from sopdesk.runtime import Runtime
from sopdesk.web.api import (
    agents,
    bot,
    callouts,
    case_links,
    cases,
    compliance,
    customers,
    drafts,
    escalation,
    health,
    inbound,
    orders,
    partners,
    playbooks,
    reports,
    search,
    status,
    taxonomy,
    tokens,
)
from sopdesk.web.api_docs import install_api_docs
from sopdesk.web.cors import BotCors
from sopdesk.web.guards import AnswerUnexpected, RefuseNul
from sopdesk.web.headers import SecurityHeaders
from sopdesk.web.limits import BodySizeLimit
from sopdesk.web.openapi import install_openapi
from sopdesk.web.problems import install_problem_handlers
from sopdesk.web.proxies import TrustedProxies
from sopdesk.web.ui import install_console

# Room for the JSON envelope around the largest attachment a request may carry.
ENVELOPE_BYTES = 1024 * 1024


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="sopdesk",
        version=sopdesk.__version__,
        description="The REST API of sopdesk. Authenticate with `Authorization: Bearer <token>`"
        " (create one with `sopdesk token create --agent EMAIL`). Errors are RFC 9457 "
        "problem+json documents.",
        docs_url=None,  # served by install_api_docs from the package (no CDN)
        redoc_url=None,
    )
    app.state.runtime = runtime
    embeddings.serve_single_threaded()
    install_problem_handlers(app)
    # The last added runs first: errors are answered outermost, sizes checked before NULs.
    app.add_middleware(RefuseNul)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=runtime.settings.max_attachment_bytes * 4 // 3 + ENVELOPE_BYTES,
    )
    app.add_middleware(AnswerUnexpected)
    app.add_middleware(TrustedProxies, proxies=runtime.settings.trusted_proxies)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BotCors)  # outermost: the widget on another origin reads every answer
    app.include_router(health.router)
    routers = (
        cases,
        case_links,
        drafts,
        escalation,
        customers,
        orders,
        partners,
        agents,
        tokens,
        taxonomy,
        playbooks,
        inbound,
        status,
        reports,
        callouts,
        compliance,
        bot,
        search,
    )
    for module in routers:
        app.include_router(module.router, prefix="/api/v1")
    install_api_docs(app)
    install_console(app, runtime)
    install_openapi(app)
    return app
