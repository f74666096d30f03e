"""Rendering console pages: the autoescaping Jinja2 environment, and errors as HTML pages.

`PageRoute` turns a SopdeskError into a page (sign-in redirect, 403, 404, 429) instead of JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sopdesk.errors import SopdeskError, Unauthorized
from sopdesk.web.sessions import SessionCodec, SessionData

log = logging.getLogger("sopdesk.web.ui")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html", "svg"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


@pass_context
def _when(context: Context, value: datetime | None) -> str:
    """A time as the page's reader reads it: in the desk's timezone (`render` passes it)."""
    timezone = context.get("desk_timezone")
    return _local(value, timezone) if timezone else _utc(value)


def _local(value: datetime | None, timezone: str) -> str:
    """A time in the desk's timezone, with the zone's abbreviation (CET, EST, ...)."""
    if value is None:
        return ""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return _utc(value)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _label(value: str | None) -> str:
    return (value or "").replace("_", " ").replace("-", " ")


env.filters["when"] = _when
env.filters["label"] = _label
env.filters["local"] = _local


def codec_of(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.console_codec
    return codec


def session_of(request: Request) -> SessionData:
    return codec_of(request).load(request)


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    session = session_of(request)
    runtime = getattr(request.app.state, "runtime", None)
    timezone = runtime.desk.timezone if runtime is not None else None
    page = env.get_template(template).render(
        request=request,
        csrf_token=session.csrf,
        path=request.url.path,
        desk_timezone=timezone,
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    keep(request, response)
    return response


def keep(request: Request, response: Response) -> None:
    """Writes the session cookie if this request created or changed the session."""
    codec_of(request).store(response, session_of(request), secure=request.url.scheme == "https")


def redirect(request: Request, url: str) -> Response:
    """303 to `url`; for HTMX requests an HX-Redirect so the whole page moves."""
    if request.headers.get("hx-request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    keep(request, response)
    return response


def error_page(request: Request, exc: SopdeskError) -> Response:
    if isinstance(exc, Unauthorized):
        target = "/partner/login" if request.url.path.startswith("/partner") else "/login"
        return redirect(request, f"{target}?next={quote(request.url.path)}")
    return render(
        request,
        "error.html",
        {"title": exc.title, "message": exc.message, "status": exc.status},
        status=exc.status,
    )


class PageRoute(APIRoute):
    """A console route: errors become HTML pages; a signed-out visitor goes to sign in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SopdeskError as exc:
                return error_page(request, exc)
            except RequestValidationError:
                return render(
                    request,
                    "error.html",
                    {
                        "title": "Bad request",
                        "message": "the address has a value sopdesk does not understand",
                        "status": 400,
                    },
                    status=400,
                )

        return page_handler
