"""The approvals inbox: runs waiting on an approval, with the case's documents shown inline.

Approvers (and admins) only; approving or rejecting is the playbook engine's event, with a comment.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.playbooks import events as ev
from sopdesk.engine.attachments import case_attachments, read_attachment
from sopdesk.engine.cases import CaseView, get_case
from sopdesk.engine.customers import get_customer
from sopdesk.engine.orders import get_order
from sopdesk.engine.playbook_checks import check_send_event
from sopdesk.engine.playbook_views import fill_for_run
from sopdesk.engine.playbooks import (
    RunView,
    approval_decider,
    do_send_event,
    list_waiting_runs,
)
from sopdesk.errors import Forbidden, SopdeskError
from sopdesk.web.ui.forms import text_fields
from sopdesk.web.ui.playbook_panel import panel_of
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
REASON_NEEDED = (
    "a rejection needs a reason: write in the comment what is wrong, so the case's agent can"
    " tell the customer"
)
INLINE = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


@router.get("/approvals", dependencies=[page_needs("approvals.decide")])
def inbox(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    return _inbox(request, viewer, runtime)


def _inbox(
    request: Request,
    viewer: AgentViewer,
    runtime: Rt,
    problem: str = "",
    status: int = 200,
    *,
    run_id: int | None = None,
    confirm: str | None = None,
    comment: str = "",
) -> Response:
    """The waiting approvals; `run_id` is the one a refusal (`problem`) or a rejection waiting
    for its confirmation (`confirm`, the reason given) is about."""
    items = []
    for run in list_waiting_runs(runtime.db):
        if run.step_kind != "approval":
            continue
        try:
            case = get_case(runtime.db, viewer.principal, run.case_id)
        except Forbidden:
            continue
        files = case_attachments(runtime.db, viewer.principal, run.case_id)
        waits_for = approval_decider(runtime.db, viewer.principal, runtime.desk, run.id)
        ask = _ask(runtime, viewer, run)
        facts = _facts(runtime, viewer, case)
        items.append((panel_of(runtime.desk, run), case, files, ask, waits_for, facts))
    context = {
        "viewer": viewer,
        "items": items,
        "problem": problem,
        "run_id": run_id,
        "confirm": confirm,
        "comment": comment,
    }
    return render(request, "approvals.html", context, status=status)


def _facts(runtime: Rt, viewer: AgentViewer, case: CaseView) -> dict[str, Any]:
    """What the approver decides on: the customer, the order with its items (the device) and
    their value."""
    customer = get_customer(runtime.db, viewer.principal, case.customer_id)
    order = get_order(runtime.db, viewer.principal, str(case.order_id)) if case.order_id else None
    return {"customer": customer, "order": order}


def _ask(runtime: Rt, viewer: AgentViewer, run: RunView) -> tuple[str, str]:
    """The approval's question filled in as the run fills it (the order's V-number...)."""
    playbook = runtime.desk.playbooks.get(run.playbook)
    step = playbook.step(run.step) if playbook else None
    if step is None or step.approval is None:
        return ("", "")
    now = runtime.clock.now()
    ask = fill_for_run(runtime.db, viewer.principal, runtime.desk, run, step.approval.ask, now)
    return (ask, step.approval.document)


@router.post("/approvals/{run_id}", dependencies=[page_needs("approvals.decide")])
def decide(
    request: Request, run_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    comment = values.get("comment", "").strip()[:1000]
    event: ev._Event
    if values.get("decision") == "approve":
        event = ev.Approved(comment=comment)
    else:
        event = ev.Rejected(comment=comment)
        if not comment:
            return _inbox(
                request, viewer, runtime, REASON_NEEDED, 422, run_id=run_id, comment=comment
            )
        if values.get("confirm") != "yes":
            # A rejection stops the customer's claim: it is asked once more before it counts.
            return _inbox(request, viewer, runtime, run_id=run_id, confirm=comment)
    try:
        check_send_event(runtime.db, viewer.principal, runtime.desk, run_id, event)
        do_send_event(runtime.db, runtime.clock, runtime.desk, viewer.principal, run_id, event)
    except SopdeskError as exc:
        # The refusal stays on the page, in words the approver can act on.
        return _inbox(
            request, viewer, runtime, exc.message, exc.status, run_id=run_id, comment=comment
        )
    return redirect(request, "/approvals")


@router.get("/attachments/{attachment_id}", dependencies=[page_needs("cases.read")])
def attachment(attachment_id: int, viewer: Viewer, runtime: Rt) -> Response:
    view, data = read_attachment(
        runtime.db, viewer.principal, runtime.settings.attachments_path, attachment_id
    )
    inline = view.content_type in INLINE
    media = view.content_type if inline else "application/octet-stream"
    safe_name = "".join(c for c in view.filename if c.isalnum() or c in "._- ")[:100] or "file"
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
