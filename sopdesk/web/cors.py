"""Cross-origin access for the chat widget: a team's site (another origin) calls the bot API.

Only `/api/v1/bot/` answers other origins, without cookies or credentials (a conversation is
named by its secret token); every other route stays same-origin.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

BOT_PREFIX = "/api/v1/bot/"


class BotCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(BOT_PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
