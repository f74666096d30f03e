"""Console sessions: a signed, HttpOnly cookie with the CSRF token and a server-side session id.

Who is signed in lives in `console_sessions` (sopdesk.engine.console_sessions): signing out,
deactivating an agent or a new password ends a session, and every sign-in makes a fresh id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from sopdesk.domain.clock import Clock
from sopdesk.engine.console_sessions import (
    SESSION_HOURS,
    SessionOwner,
    end_session,
    session_owner,
    start_session,
)
from sopdesk.store.db import Database

COOKIE = "sopdesk_session"
MAX_AGE_SECONDS = SESSION_HOURS * 3600
NOBODY = SessionOwner(None, None)


@dataclass
class SessionStore:
    """Where sessions are kept: the runtime's database and clock."""

    db: Database
    clock: Clock


@dataclass
class SessionData:
    """What the cookie holds. `dirty` marks a session the response must (re)write.

    The owner is looked up on first use, so a request that only checks its CSRF token (every
    posted form) reads no session row.
    """

    store: SessionStore
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session_id: str | None = None
    dirty: bool = False
    _owner: SessionOwner | None = None

    @property
    def owner(self) -> SessionOwner:
        if self._owner is None:
            found = None
            if self.session_id:
                found = session_owner(self.store.db, self.session_id)
            if found is None and self.session_id:
                # Ended on the server: forget the id, the cookie is rewritten.
                self.session_id = None
                self.dirty = True
            self._owner = found or NOBODY
        return self._owner

    @property
    def agent_id(self) -> int | None:
        return self.owner.agent_id

    @property
    def partner_user_id(self) -> int | None:
        return self.owner.partner_user_id

    def sign_in(self, *, agent_id: int | None = None, partner_user_id: int | None = None) -> None:
        """A fresh session id and CSRF token: nothing seen before the sign-in is worth anything
        after it (no session fixation); the session this browser had ends."""
        self.csrf = secrets.token_urlsafe(32)
        owner = SessionOwner(agent_id, partner_user_id)
        now = self.store.clock.now()
        self.session_id = start_session(self.store.db, now, owner, replacing=self.session_id)
        self._owner = owner
        self.dirty = True

    def sign_out(self) -> None:
        """Ends the session on the server, so a copy of the cookie is worth nothing."""
        if self.session_id:
            end_session(self.store.db, self.session_id)
        self.csrf = secrets.token_urlsafe(32)
        self.session_id = None
        self._owner = NOBODY
        self.dirty = True


class SessionCodec:
    def __init__(self, secret_key: str, store: SessionStore) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="sopdesk.console.session")
        self._store = store

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
                sid = data.get("sid")
                return SessionData(
                    self._store, csrf=data["csrf"], session_id=sid if isinstance(sid, str) else None
                )
        return SessionData(self._store, dirty=True)

    def store(self, response: Response, session: SessionData, *, secure: bool) -> None:
        if not session.dirty:
            return
        value = self._serializer.dumps({"csrf": session.csrf, "sid": session.session_id})
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
