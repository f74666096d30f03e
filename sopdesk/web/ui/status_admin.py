"""The console page where leads and admins open, update and resolve incidents and link cases
(`/admin/status`); the same check_/do_ pairs as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from sopdesk.domain.status import INCIDENT_STATES, IncidentPhase
from sopdesk.engine.status_page import (
    LinkCase,
    OpenIncident,
    ResolveIncident,
    UpdateIncident,
    check_link_case,
    check_open_incident,
    check_resolve_incident,
    check_update_incident,
    do_link_case,
    do_open_incident,
    do_resolve_incident,
    do_update_incident,
)
from sopdesk.engine.status_views import read_status
from sopdesk.errors import SopdeskError
from sopdesk.web.ui.forms import FormRefused, parse
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/admin/status")
PHASES = [p.value for p in IncidentPhase if p is not IncidentPhase.RESOLVED]
STATES = [s.value for s in INCIDENT_STATES]


def _page(request: Request, runtime: Rt, viewer: AgentViewer, error: str = "") -> Response:
    snapshot = read_status(runtime.db, runtime.desk, runtime.clock.now())
    macros = sorted(m.slug for m in runtime.desk.macros.values() if m.to == "customer")
    context: dict[str, Any] = {
        "viewer": viewer,
        "s": snapshot,
        "components": runtime.desk.status_page.components,
        "phases": PHASES,
        "states": STATES,
        "macros": macros,
        "error": error,
    }
    return render(request, "admin_status.html", context, status=422 if error else 200)


def _states(form: FormData) -> dict[str, str]:
    """`state-<slug>` fields; an empty choice leaves the component out."""
    return {
        key.removeprefix("state-"): str(value)
        for key, value in form.items()
        if key.startswith("state-") and value
    }


def _refusal(exc: Exception) -> str:
    if isinstance(exc, FormRefused):
        return "; ".join(f"{k}: {v}" if k else v for k, v in exc.errors.items())
    assert isinstance(exc, SopdeskError)
    return exc.message


@router.get("", dependencies=[page_needs("status.manage")])
def status_console(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    return _page(request, runtime, viewer)


@router.post("/incidents", dependencies=[page_needs("status.manage")])
def open_incident(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    data = {
        "title": str(form.get("title") or ""),
        "body": str(form.get("body") or ""),
        "phase": str(form.get("phase") or "investigating"),
        "components": _states(form),
    }
    try:
        command = parse(OpenIncident, data)
        check_open_incident(runtime.desk, viewer.principal, command)
    except (FormRefused, SopdeskError) as exc:
        return _page(request, runtime, viewer, _refusal(exc))
    do_open_incident(runtime.db, runtime.clock, viewer.principal, command)
    return redirect(request, "/admin/status")


@router.post("/incidents/{incident_id}/updates", dependencies=[page_needs("status.manage")])
def update_incident(
    request: Request, incident_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    states = _states(form)
    data = {
        "phase": str(form.get("phase") or ""),
        "body": str(form.get("body") or ""),
        "components": states or None,
    }
    try:
        command = parse(UpdateIncident, data)
        check_update_incident(runtime.db, runtime.desk, viewer.principal, incident_id, command)
    except (FormRefused, SopdeskError) as exc:
        return _page(request, runtime, viewer, _refusal(exc))
    do_update_incident(runtime.db, runtime.clock, viewer.principal, incident_id, command)
    return redirect(request, "/admin/status")


@router.post("/incidents/{incident_id}/resolve", dependencies=[page_needs("status.manage")])
def resolve_incident(
    request: Request, incident_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    data = {"body": str(form.get("body") or ""), "macro": str(form.get("macro") or "") or None}
    try:
        command = parse(ResolveIncident, data)
        check_resolve_incident(runtime.db, runtime.desk, viewer.principal, incident_id, command)
    except (FormRefused, SopdeskError) as exc:
        return _page(request, runtime, viewer, _refusal(exc))
    do_resolve_incident(
        runtime.db, runtime.clock, runtime.desk, viewer.principal, incident_id, command
    )
    return redirect(request, "/admin/status")


@router.post("/incidents/{incident_id}/cases", dependencies=[page_needs("status.manage")])
def link_case(
    request: Request, incident_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    try:
        command = parse(LinkCase, {"case_id": str(form.get("case_id") or "")})
        check_link_case(runtime.db, viewer.principal, incident_id, command)
    except (FormRefused, SopdeskError) as exc:
        return _page(request, runtime, viewer, _refusal(exc))
    do_link_case(runtime.db, runtime.clock, viewer.principal, incident_id, command)
    return redirect(request, "/admin/status")
