"""Security headers on every answer: no framing, no inline script, and customer-link pages that
leave no token in a Referer or a cache.

Pure ASGI middleware, so the console, the API, the static files and the error pages all get them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts come only from /static (no inline script, no eval: htmx's hx-on is not used). Style
# attributes stay allowed: report bars and status colours are drawn with them.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load their own inline script: they only may not be framed.
DOCS_CSP = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")
# Pages whose address carries a secret token: a customer's case link, an unsubscribe link.
TOKEN_PATHS = ("/my/case/", "/status/unsubscribe/")

COMMON = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
]


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers of an answer to `path`."""
    csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CONSOLE_CSP
    headers = [*COMMON, (b"content-security-policy", csp.encode())]
    if path.startswith(TOKEN_PATHS):
        headers += [(b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store")]
    else:
        headers.append((b"referrer-policy", b"same-origin"))
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
