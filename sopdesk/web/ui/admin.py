"""Admin pages: agents and their levels and roles, the desk files with `sopdesk check` and the
last `sopdesk test` run, the dead-letter outbox with retry. Every page and action needs the
admin role.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.desk import check_desk
from sopdesk.desk.files import read_desk_files
from sopdesk.desk.test_results import changed_playbooks, read_results
from sopdesk.domain.cases import MAX_LEVEL, Role
from sopdesk.engine.accounts import (
    CreateAgent,
    UpdateAgent,
    check_create_agent,
    check_update_agent,
    do_create_agent,
    do_update_agent,
    list_agents,
)
from sopdesk.engine.dead_letters import check_retry_outbox, do_retry_outbox, list_dead
from sopdesk.engine.stale import review_desk
from sopdesk.errors import Conflict, InvalidInput
from sopdesk.web.ui.forms import FormRefused, parse, refused, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/admin")
ROLES = [r.value for r in Role]


def _agents_page(
    request: Request,
    runtime: Rt,
    viewer: AgentViewer,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "viewer": viewer,
        "agents": list_agents(runtime.db, viewer.principal),
        "roles": ROLES,
        "levels": list(range(1, MAX_LEVEL + 1)),
        "errors": errors or {},
        "values": values or {"level": "1"},
    }
    return render(request, "admin_agents.html", context, status=status)


@router.get("/agents", dependencies=[page_needs("agents.manage")])
def agents(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    return _agents_page(request, runtime, viewer)


@router.post("/agents", dependencies=[page_needs("agents.manage")])
def create_agent(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    data = {
        "email": values.get("email", "").strip(),
        "name": values.get("name", "").strip(),
        "level": values.get("level", ""),
        "roles": [r for r in form.getlist("roles") if isinstance(r, str)] or ["agent"],
        "password": values.get("password") or None,
    }
    try:
        command = parse(CreateAgent, data)
        try:
            check_create_agent(runtime.db, viewer.principal, command)
        except Conflict as exc:
            raise FormRefused({"email": exc.message}) from None
    except FormRefused as exc:
        values.pop("password", None)
        return _agents_page(request, runtime, viewer, errors=exc.errors, values=values, status=422)
    do_create_agent(runtime.db, runtime.clock, command)
    return redirect(request, "/admin/agents")


@router.post("/agents/{agent_id}", dependencies=[page_needs("agents.manage")])
def update_agent(
    request: Request, agent_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    data: dict[str, Any] = {
        "level": values.get("level") or None,
        "roles": [r for r in form.getlist("roles") if isinstance(r, str)] or ["agent"],
        "active": values.get("active") == "yes",
    }
    try:
        command = parse(UpdateAgent, data)
        try:
            check_update_agent(runtime.db, viewer.principal, agent_id, command)
        except InvalidInput as exc:
            raise refused(exc, f"agent-{agent_id}") from None
    except FormRefused as exc:
        errors = {f"agent-{agent_id}": "; ".join(exc.errors.values())}
        return _agents_page(request, runtime, viewer, errors=errors, status=422)
    do_update_agent(runtime.db, agent_id, command)
    return redirect(request, "/admin/agents")


@router.get("/desk", dependencies=[page_needs("desk.admin")])
def desk_files(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    folder = runtime.settings.desk
    files = read_desk_files(folder)
    context = {
        "viewer": viewer,
        "folder": folder,
        "files": sorted(files.texts.items()),
        "problems": check_desk(folder),
        "tests": read_results(folder).last_run,
        "changed": changed_playbooks(folder, runtime.desk),
        "desk": runtime.desk,
        "review": review_desk(runtime.db, viewer.principal, runtime.desk),
    }
    return render(request, "admin_desk.html", context)


@router.get("/outbox", dependencies=[page_needs("desk.admin")])
def outbox(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    dead = list_dead(runtime.db, viewer.principal)
    return render(request, "admin_outbox.html", {"viewer": viewer, "dead": dead})


@router.post("/outbox/{outbox_id}/retry", dependencies=[page_needs("desk.admin")])
def retry(
    request: Request, outbox_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    check_retry_outbox(runtime.db, viewer.principal, outbox_id)
    do_retry_outbox(runtime.db, runtime.clock, outbox_id)
    return redirect(request, "/admin/outbox")
