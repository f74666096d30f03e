"""Console sessions: who is signed in and their CSRF token, in a signed, HttpOnly cookie.

Signed with the runtime's secret key (itsdangerous); nothing about a session is kept server-side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "sopdesk_session"
MAX_AGE_SECONDS = 12 * 3600  # one working day and a bit; then sign in again


@dataclass
class SessionData:
    """What the cookie holds. `dirty` marks a session the response must (re)write."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    agent_id: int | None = None
    partner_user_id: int | None = None
    dirty: bool = False

    def sign_in(self, *, agent_id: int | None = None, partner_user_id: int | None = None) -> None:
        # A fresh CSRF token on every sign-in: a token seen before it is worth nothing after.
        self.csrf = secrets.token_urlsafe(32)
        self.agent_id = agent_id
        self.partner_user_id = partner_user_id
        self.dirty = True

    def sign_out(self) -> None:
        self.sign_in()


class SessionCodec:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="sopdesk.console.session")

    def load(self, request: Request) -> SessionData:
        """The request's session, or a fresh anonymous one (marked dirty) if none is valid."""
        cached = getattr(request.state, "console_session", None)
        if isinstance(cached, SessionData):
            return cached
        session = self._decode(request.cookies.get(COOKIE))
        request.state.console_session = session
        return session

    def _decode(self, raw: str | None) -> SessionData:
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=MAX_AGE_SECONDS)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                return SessionData(
                    csrf=data["csrf"],
                    agent_id=_int_or_none(data.get("agent")),
                    partner_user_id=_int_or_none(data.get("partner_user")),
                )
        return SessionData(dirty=True)

    def store(self, response: Response, session: SessionData, *, secure: bool) -> None:
        if not session.dirty:
            return
        value = self._serializer.dumps(
            {
                "csrf": session.csrf,
                "agent": session.agent_id,
                "partner_user": session.partner_user_id,
            }
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
