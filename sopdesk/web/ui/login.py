"""Signing agents in and out of the console (argon2 passwords, rate-limited by IP and e-mail).

A failed sign-in shows the form again with the e-mail kept and a message next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from sopdesk.engine.accounts import authenticate_password
from sopdesk.errors import TooManyRequests, Unauthorized
from sopdesk.runtime import Runtime
from sopdesk.store.db import Database
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.ui.rendering import PageRoute, redirect, render, session_of
from sopdesk.web.ui.viewer import PostedForm, Rt, page_needs

T = TypeVar("T")
router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site: never `//evil.example` or `https://…`."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def login_limit(request: Request) -> RateLimit:
    limit: RateLimit = request.app.state.console_login_limit
    return limit


def address_limit(request: Request) -> RateLimit:
    """Failed sign-ins per client address over all e-mails: password spraying stops here."""
    limit: RateLimit = request.app.state.console_address_limit
    return limit


def client_address(request: Request) -> str:
    # Already the real client: sopdesk.web.proxies.TrustedProxies reads X-Forwarded-For only
    # when the connection comes from a configured proxy.
    return request.client.host if request.client else "unknown"


def limit_key(request: Request, email: str) -> str:
    return f"{client_address(request)}|{email.strip().lower()}"


@router.get("/login", dependencies=[page_needs("public")])
def login_page(request: Request, next: str | None = None) -> Response:
    if session_of(request).agent_id is not None:
        return redirect(request, safe_next(next, "/"))
    return render(request, "login.html", {"values": {"next": next or ""}, "errors": {}})


@dataclass(frozen=True)
class SignIn(Generic[T]):
    """One sign-in attempt: what was typed, the messages by field, and who signed in."""

    values: dict[str, str]
    errors: dict[str, str]
    status: int
    who: T | None


def attempt_sign_in(
    request: Request,
    form: FormData,
    runtime: Runtime,
    authenticate: Callable[[Database, str, str], T],
    *,
    scope: str = "",
) -> SignIn[T]:
    """Checks the form, counts the try against the rate limit of `scope`, authenticates."""
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    values = {"email": email, "next": str(form.get("next") or "")}
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 320:
        errors["email"] = "enter the e-mail address you sign in with"
    if not password:
        errors["password"] = "enter your password"
    if errors:
        return SignIn(values, errors, 422, None)
    key = scope + limit_key(request, email)
    address = scope + client_address(request)
    now = runtime.clock.now()
    try:
        address_limit(request).check(address, now)
        login_limit(request).hit(key, now)
        who = authenticate(runtime.db, email, password)
    except TooManyRequests as exc:
        return SignIn(values, {"": exc.message}, 429, None)
    except Unauthorized as exc:
        address_limit(request).hit(address, now)
        return SignIn(values, {"password": exc.message}, 401, None)
    login_limit(request).clear(key)
    return SignIn(values, {}, 200, who)


@router.post("/login", dependencies=[page_needs("public")])
def login(request: Request, form: PostedForm, runtime: Rt) -> Response:
    attempt = attempt_sign_in(request, form, runtime, authenticate_password)
    if attempt.who is None:
        context = {"values": attempt.values, "errors": attempt.errors}
        return render(request, "login.html", context, status=attempt.status)
    session_of(request).sign_in(agent_id=attempt.who.id)
    return redirect(request, safe_next(attempt.values["next"], "/"))


@router.post("/logout", dependencies=[page_needs("public")])
def logout(request: Request, form: PostedForm) -> Response:
    session_of(request).sign_out()
    return redirect(request, "/login")
