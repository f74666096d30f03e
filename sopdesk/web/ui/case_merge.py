"""Case page forms for cases that belong together: link related, merge a duplicate into its
survivor, split a message off into a new case. The engine pairs are in engine/case_links.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.case_links import (
    LinkCases,
    SplitMessage,
    check_link_cases,
    check_split_message,
    do_link_cases,
    do_split_message,
)
from sopdesk.errors import Conflict, InvalidInput
from sopdesk.web.ui.case_page import case_context
from sopdesk.web.ui.forms import FormRefused, parse, refused, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _again(
    request: Request,
    runtime: Rt,
    viewer: AgentViewer,
    case_id: int,
    name: str,
    errors: dict[str, str],
    values: dict[str, str],
    status: int,
) -> Response:
    context = case_context(runtime, viewer, case_id, errors={name: errors}, values={name: values})
    return render(request, "case.html", context, status=status)


@router.post("/cases/{case_id}/links", dependencies=[page_needs("cases.change")])
def link(request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    number = values.get("other_id", "").strip().lstrip("#")
    try:
        if not number.isdigit():
            raise FormRefused({"other_id": "enter the other case's number, e.g. 1042"})
        data: dict[str, Any] = {
            "other_id": int(number),
            "kind": "merged" if values.get("kind") == "merged" else "related",
            "reason": values.get("reason", "").strip(),
        }
        command = parse(LinkCases, data)
        try:
            check_link_cases(runtime.db, viewer.principal, case_id, command)
        except InvalidInput as exc:
            raise refused(exc) from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, "links", exc.errors, values, 422)
    except Conflict as exc:
        return _again(request, runtime, viewer, case_id, "links", {"": exc.message}, values, 409)
    do_link_cases(runtime.db, runtime.clock, runtime.desk, viewer.principal, case_id, command)
    # A duplicate merged: work goes on in the survivor, where both timelines read as one.
    target = command.other_id if command.kind == "merged" else case_id
    return redirect(request, f"/cases/{target}")


@router.post("/cases/{case_id}/split", dependencies=[page_needs("cases.change")])
def split(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    event = values.get("event_id", "").strip()
    try:
        if not values.get("subject", "").strip():
            raise FormRefused({"": "give the new case a subject before splitting the message off"})
        data = {"event_id": int(event) if event.isdigit() else 0, "subject": values["subject"]}
        command = parse(SplitMessage, data)
        try:
            check_split_message(runtime.db, viewer.principal, case_id, command)
        except InvalidInput as exc:
            raise refused(exc, "") from None
    except FormRefused as exc:
        errors = {"": next(iter(exc.errors.values()))}
        return _again(request, runtime, viewer, case_id, "split", errors, values, 422)
    new_id = do_split_message(
        runtime.db, runtime.clock, runtime.desk, viewer.principal, case_id, command
    )
    return redirect(request, f"/cases/{new_id}")
