"""The public status page: `/status` (HTML), `/status.json`, the Atom feed `/status.atom`, and
the mail subscription (double opt-in, one-click unsubscribe). No sign-in, no third-party assets.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import JSONResponse, Response

from sopdesk.channels.status_mail import read_status_token
from sopdesk.domain.links import LinkError
from sopdesk.domain.status import UPTIME_DAYS, ComponentState
from sopdesk.engine.status_mail import Subscribe, do_confirm, do_subscribe, do_unsubscribe
from sopdesk.engine.status_views import read_feed, read_status
from sopdesk.errors import TooManyRequests
from sopdesk.runtime import Runtime
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import PostedForm, Rt, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
SUBSCRIBES_PER_HOUR = 5
COLOURS = {
    ComponentState.OPERATIONAL: "#2f9e44",
    ComponentState.MAINTENANCE: "#1c7ed6",
    ComponentState.DEGRADED: "#f59f00",
    ComponentState.PARTIAL_OUTAGE: "#e8590c",
    ComponentState.MAJOR_OUTAGE: "#c92a2a",
}


def _page(request: Request, runtime: Runtime, **extra: Any) -> Response:
    status = int(extra.pop("status", 200))
    snapshot = read_status(runtime.db, runtime.desk, runtime.clock.now())
    titles = {c.slug: c.title for c in runtime.desk.status_page.components}
    context = {
        "s": snapshot,
        "titles": titles,
        "colours": COLOURS,
        "days": UPTIME_DAYS,
        "message": "",
        **extra,
    }
    return render(request, "status.html", context, status=status)


@router.get("/status", dependencies=[page_needs("public")])
def status_page(request: Request, runtime: Rt) -> Response:
    return _page(request, runtime)


@router.get("/status.json", dependencies=[page_needs("public")])
def status_json(runtime: Rt) -> JSONResponse:
    snapshot = read_status(runtime.db, runtime.desk, runtime.clock.now())
    return JSONResponse(snapshot.as_json())


@router.get("/status.atom", dependencies=[page_needs("public")])
def status_atom(request: Request, runtime: Rt) -> Response:
    base = str(request.base_url).rstrip("/")
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "title").text = runtime.desk.status_page.title
    ET.SubElement(feed, "id").text = f"{base}/status"
    ET.SubElement(feed, "link", href=f"{base}/status")
    ET.SubElement(feed, "link", rel="self", href=f"{base}/status.atom")
    incidents = read_feed(runtime.db)
    updated = max(
        (i["updates"][-1]["at"] for i in incidents if i["updates"]), default=runtime.clock.now()
    )
    ET.SubElement(feed, "updated").text = updated.isoformat()
    for incident in incidents:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = f"{base}/status#incident-{incident['id']}"
        ET.SubElement(entry, "title").text = f"{incident['title']} ({incident['phase']})"
        ET.SubElement(entry, "link", href=f"{base}/status#incident-{incident['id']}")
        ET.SubElement(entry, "published").text = incident["started_at"].isoformat()
        last = incident["updates"][-1]["at"] if incident["updates"] else incident["started_at"]
        ET.SubElement(entry, "updated").text = last.isoformat()
        author = ET.SubElement(entry, "author")
        ET.SubElement(author, "name").text = runtime.desk.name
        ET.SubElement(entry, "content", type="text").text = "\n\n".join(
            f"{u['phase'].capitalize()} ({u['at']:%Y-%m-%d %H:%M} UTC): {u['body']}"
            for u in reversed(incident["updates"])
        )
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, media_type="application/atom+xml")


def _limit(request: Request) -> RateLimit:
    limit: RateLimit | None = getattr(request.app.state, "status_subscribe_limit", None)
    if limit is None:
        limit = RateLimit(SUBSCRIBES_PER_HOUR, timedelta(hours=1))
        request.app.state.status_subscribe_limit = limit
    return limit


@router.post("/status/subscribe", dependencies=[page_needs("public")])
def subscribe(request: Request, form: PostedForm, runtime: Rt) -> Response:
    email = str(form.get("email") or "").strip()
    host = request.client.host if request.client else "unknown"
    try:
        _limit(request).hit(f"status|{host}", runtime.clock.now())
        command = Subscribe(email=email)
    except TooManyRequests:
        return _page(
            request, runtime, message="Too many requests; try again in an hour.", status=429
        )
    except ValidationError:
        return _page(
            request, runtime, message="Please give a valid e-mail address.", email=email, status=422
        )
    do_subscribe(runtime.db, runtime.clock, command)
    return _page(request, runtime, message="Check your mail: we sent a link to confirm.")


def _link(runtime: Runtime, token: str, action: str) -> tuple[int, str]:
    link = read_status_token(
        runtime.settings.resolved_secret_key(), token, action, runtime.clock.now()
    )
    return link.subscriber_id, link.email


@router.get("/status/confirm/{token}", dependencies=[page_needs("links.follow")])
def confirm(request: Request, token: str, runtime: Rt) -> Response:
    try:
        subscriber_id, email = _link(runtime, token, "confirm")
    except LinkError as exc:
        return _page(request, runtime, message=exc.message, status=exc.status)
    if not do_confirm(runtime.db, runtime.clock, subscriber_id, email):
        return _page(request, runtime, message="This subscription is gone; subscribe again.")
    return _page(request, runtime, message=f"Subscribed: {email} gets mail about incidents.")


@router.get("/status/unsubscribe/{token}", dependencies=[page_needs("links.follow")])
def unsubscribe_page(request: Request, token: str, runtime: Rt) -> Response:
    """A page with one button; a GET changes nothing (mail scanners follow links)."""
    try:
        _link(runtime, token, "leave")
    except LinkError as exc:
        return _page(request, runtime, message=exc.message, status=exc.status)
    return render(request, "status_unsubscribe.html", {"token": token, "done": False})


@router.post("/status/unsubscribe/{token}", dependencies=[page_needs("links.follow")])
def unsubscribe(request: Request, token: str, runtime: Rt) -> Response:
    """RFC 8058 one-click: the mail client posts here without a session, so the signed token
    is the only guard (and enough: it names one subscriber and only lets it leave)."""
    try:
        subscriber_id, email = _link(runtime, token, "leave")
    except LinkError as exc:
        return _page(request, runtime, message=exc.message, status=exc.status)
    do_unsubscribe(runtime.db, subscriber_id, email)
    return render(request, "status_unsubscribe.html", {"token": token, "done": True})
