"""Saved queue views: save the queue's current filters under a name, delete one.

Each view belongs to the agent who saved it (engine/saved_views.py); the queue lists them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.saved_views import (
    SaveView,
    check_delete_view,
    check_save_view,
    do_delete_view,
    do_save_view,
)
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.forms import FormRefused, parse, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect
from sopdesk.web.ui.viewer import PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.post("/views", dependencies=[page_needs("views.own")])
def save_view(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    try:
        asked = parse(SaveView, {"name": values.get("name", ""), "query": values.get("query", "")})
    except FormRefused as exc:
        raise InvalidInput("give the view a name of at most 100 characters") from exc
    command = check_save_view(runtime.db, viewer.principal, asked)
    do_save_view(runtime.db, runtime.clock.now(), viewer.principal, command)
    return redirect(request, f"/?{command.query}" if command.query else "/")


@router.post("/views/{view_id}/delete", dependencies=[page_needs("views.own")])
def delete_view(
    request: Request, viewer: Viewer, runtime: Rt, form: PostedForm, view_id: int
) -> Response:
    check_delete_view(runtime.db, viewer.principal, view_id)
    do_delete_view(runtime.db, view_id)
    return redirect(request, "/")
