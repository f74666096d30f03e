"""Signing agents in and out of the console (argon2 passwords, rate-limited by IP and e-mail).

A failed sign-in shows the form again with the e-mail kept and a message next to the field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.accounts import authenticate_password
from sopdesk.errors import TooManyRequests, Unauthorized
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.ui.rendering import PageRoute, redirect, render, session_of
from sopdesk.web.ui.viewer import PostedForm, Rt

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site: never `//evil.example` or `https://…`."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def login_limit(request: Request) -> RateLimit:
    limit: RateLimit = request.app.state.console_login_limit
    return limit


def limit_key(request: Request, email: str) -> str:
    host = request.client.host if request.client else "unknown"
    return f"{host}|{email.strip().lower()}"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    if session_of(request).agent_id is not None:
        return redirect(request, safe_next(next, "/"))
    return render(request, "login.html", {"values": {"next": next or ""}, "errors": {}})


@router.post("/login")
def login(request: Request, form: PostedForm, runtime: Rt) -> Response:
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    values = {"email": email, "next": str(form.get("next") or "")}
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 320:
        errors["email"] = "enter the e-mail address you sign in with"
    if not password:
        errors["password"] = "enter your password"
    if errors:
        return render(request, "login.html", {"values": values, "errors": errors}, status=422)
    key = limit_key(request, email)
    try:
        login_limit(request).hit(key, runtime.clock.now())
        principal = authenticate_password(runtime.db, email, password)
    except TooManyRequests as exc:
        errors = {"": exc.message}
        return render(request, "login.html", {"values": values, "errors": errors}, status=429)
    except Unauthorized as exc:
        errors = {"password": exc.message}
        return render(request, "login.html", {"values": values, "errors": errors}, status=401)
    login_limit(request).clear(key)
    session_of(request).sign_in(agent_id=principal.id)
    return redirect(request, safe_next(values["next"], "/"))


@router.post("/logout")
def logout(request: Request, form: PostedForm) -> Response:
    session_of(request).sign_out()
    return redirect(request, "/login")
