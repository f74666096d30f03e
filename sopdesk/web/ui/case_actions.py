"""What an agent does on a case page: reply, note, log a call, change fields, (de-)escalate,
send or discard a draft a playbook held.

Each form is parsed into the engine's command; a refusal shows the page again with the message.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    SetCaseItems,
    check_add_message,
    check_change_case,
    check_macro,
    check_set_case_items,
    do_add_message,
    do_change_case,
    do_set_case_items,
    get_case,
)
from sopdesk.engine.drafts import DecideDraft, check_decide_draft, do_decide_draft
from sopdesk.engine.escalation import Escalate, check_escalate_case, do_escalate_case
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.case_page import case_context
from sopdesk.web.ui.forms import FormRefused, parse, refused, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
KINDS = ("reply", "note", "call")


def _again(
    request: Request,
    runtime: Any,
    viewer: AgentViewer,
    case_id: int,
    name: str,
    exc: FormRefused,
    values: dict[str, str],
) -> Response:
    context = case_context(
        runtime, viewer, case_id, errors={name: exc.errors}, values={name: values}
    )
    return render(request, "case.html", context, status=422)


@router.post("/cases/{case_id}/messages", dependencies=[page_needs("cases.reply")])
def add_message(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    kind = values.get("kind", "")
    name = kind if kind in KINDS else "reply"
    data: dict[str, Any] = {"kind": kind, "body": values.get("body", "")}
    if kind == "reply" and values.get("macro"):
        data["macro"] = values["macro"]  # the reply records how much the macro was edited
    try:
        if kind == "call":
            minutes = values.get("minutes", "").strip()
            if minutes:
                if not minutes.isdigit() or int(minutes) > 24 * 60:
                    raise FormRefused({"minutes": "enter whole minutes, 0 to 1440"})
                data["duration_seconds"] = int(minutes) * 60
        command = parse(AddMessage, data)
        try:
            check_macro(runtime.desk, command)
            check_add_message(runtime.db, viewer.principal, case_id, command)
        except InvalidInput as exc:
            raise refused(exc, "body") from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, name, exc, values)
    do_add_message(runtime.db, runtime.clock, viewer.principal, case_id, command, runtime.desk)
    return redirect(request, f"/cases/{case_id}#timeline-end")


def _change(
    request: Request,
    runtime: Any,
    viewer: AgentViewer,
    case_id: int,
    name: str,
    data: dict[str, Any],
    values: dict[str, str],
) -> Response:
    try:
        command = parse(ChangeCase, data)
        try:
            changes = check_change_case(
                runtime.db, viewer.principal, runtime.desk, case_id, command
            )
        except InvalidInput as exc:
            raise refused(exc) from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, name, exc, values)
    view = do_change_case(
        runtime.db,
        runtime.clock,
        viewer.principal,
        case_id,
        changes,
        command.reason,
        runtime.desk,
    )
    if not viewer.principal.sees_level(view.level):
        # Routing moved the case above the agent's level: it is out of their sight now.
        return redirect(request, "/?moved=" + str(case_id))
    return redirect(request, f"/cases/{case_id}")


@router.post("/cases/{case_id}/escalate", dependencies=[page_needs("cases.change")])
def escalate(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    """Escalates or de-escalates through the same engine pair as POST /api/v1/cases/{id}/escalate;
    the routing explanation lands on the timeline."""
    values = text_fields(form)
    level = values.get("level", "").strip()
    try:
        errors: dict[str, str] = {}
        if not level.isdigit():
            errors["level"] = "choose the level the case moves to"
        if not values.get("reason", "").strip():
            errors["reason"] = "say why the case changes level"
        if errors:
            raise FormRefused(errors)
        command = parse(Escalate, {"level": int(level), "reason": values["reason"]})
        try:
            check_escalate_case(runtime.db, viewer.principal, case_id, command)
        except InvalidInput as exc:
            raise refused(exc, "level") from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, "escalate", exc, values)
    do_escalate_case(runtime.db, runtime.clock, viewer.principal, case_id, command, runtime.desk)
    if not viewer.principal.sees_level(command.level):
        # The case went above the agent's level: it is out of their sight now.
        return redirect(request, "/?moved=" + str(case_id))
    return redirect(request, f"/cases/{case_id}#timeline-end")


@router.post("/cases/{case_id}/fields", dependencies=[page_needs("cases.change")])
def change_fields(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    data: dict[str, Any] = {}
    for name in ("status", "priority", "category", "board_column"):
        value = values.get(name, "").strip()
        if value:
            data[name] = value
    assignee = values.get("assignee", "")
    if assignee == "me":
        data["assignee_id"] = viewer.id
    elif assignee == "nobody":
        data["assignee_id"] = None
    if values.get("signals_shown"):
        signals = sorted({s for s in form.getlist("signal") if isinstance(s, str)})
        current = get_case(runtime.db, viewer.principal, case_id).signals
        if signals != sorted(current):
            data["signals"] = signals
    if values.get("reason", "").strip():
        data["reason"] = values["reason"].strip()
    return _change(request, runtime, viewer, case_id, "fields", data, values)


@router.post("/cases/{case_id}/drafts/{draft_id}", dependencies=[page_needs("cases.reply")])
def decide_draft(
    request: Request, case_id: int, draft_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    """Send a held draft as edited, or discard it with a reason; a refusal keeps the text."""
    values = text_fields(form)
    name = f"draft-{draft_id}"
    data: dict[str, Any] = {"action": values.get("action", "")}
    if data["action"] == "send":
        data.update(subject=values.get("subject", ""), body=values.get("body", ""))
    else:
        data["reason"] = values.get("reason", "")
    try:
        command = parse(DecideDraft, data)
        try:
            check_decide_draft(runtime.db, viewer.principal, draft_id, command)
        except InvalidInput as exc:
            raise refused(exc, "reason" if command.action == "discard" else "body") from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, name, exc, values)
    do_decide_draft(runtime.db, runtime.clock, viewer.principal, draft_id, command, runtime.desk)
    return redirect(request, f"/cases/{case_id}#timeline-end")


@router.post("/cases/{case_id}/items", dependencies=[page_needs("cases.change")])
def set_items(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    """Which lines of the order the case is about, through the API's engine pair."""
    values = text_fields(form)
    picked = [v for v in form.getlist("item") if isinstance(v, str)]
    try:
        if not all(v.isdigit() for v in picked):
            raise FormRefused({"item_ids": "choose items of the case's order"})
        data = {"item_ids": [int(v) for v in picked], "reason": values.get("reason") or None}
        command = parse(SetCaseItems, data)
        try:
            check_set_case_items(runtime.db, viewer.principal, case_id, command)
        except InvalidInput as exc:
            raise refused(exc, "item_ids") from None
    except FormRefused as exc:
        return _again(request, runtime, viewer, case_id, "items", exc, values)
    do_set_case_items(runtime.db, runtime.clock, viewer.principal, case_id, command, runtime.desk)
    return redirect(request, f"/cases/{case_id}")
