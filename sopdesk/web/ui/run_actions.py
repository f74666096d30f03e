"""What an agent does on a case's playbook panel: start a run, tick, choose, record an event,
mark a task done, stop a run or restart it with a reason. Every act is the playbook engine's
check_/do_ pair; a refusal shows the case page again with the reason in the panel.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.playbooks import events as ev
from sopdesk.engine.cases import AddMessage, check_add_message, do_add_message
from sopdesk.engine.playbook_checks import check_send_event, check_start_run
from sopdesk.engine.playbooks import (
    StartRun,
    do_send_event,
    do_start_run,
    do_stop_run,
    get_run,
)
from sopdesk.errors import Conflict, InvalidInput
from sopdesk.web.ui.case_page import case_context
from sopdesk.web.ui.forms import text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
REFUSALS = (InvalidInput, Conflict)  # access refusals (403/404) stay error pages


def _event(values: dict[str, str]) -> ev._Event:
    action = values.get("action", "")
    if action == "tick":
        item = values.get("item", "all")
        recorded = {
            k.removeprefix("value_"): v.strip()
            for k, v in values.items()
            if k.startswith("value_") and v.strip()
        }
        return ev.Ticked(item=int(item) if item.isdigit() else "all", values=recorded)
    if action == "choose" and values.get("option"):
        return ev.Chose(option=values["option"])
    if action == "event" and values.get("name"):
        return ev.Named(name=values["name"])
    if action == "task-done":
        return ev.TaskDone(step=values.get("step") or None)
    if action == "confirm" and values.get("answer") in ("yes", "no"):
        answer: Literal["yes", "no"] = "yes" if values["answer"] == "yes" else "no"
        return ev.Confirmed(answer=answer, text=values.get("text", "").strip()[:500])
    raise InvalidInput(
        "choose what to do: tick, choose, record an event, the customer's yes or no, "
        "or mark the task done"
    )


def _again(
    request: Request,
    runtime: Rt,
    viewer: AgentViewer,
    case_id: int,
    exc: InvalidInput | Conflict,
    values: dict[str, str],
    run_id: int | None = None,
) -> Response:
    errors = {"playbook": {"": exc.message, "run": str(run_id or "")}}
    context = case_context(runtime, viewer, case_id, errors=errors, values={"playbook": values})
    return render(request, "case.html", context, status=exc.status)


@router.post("/cases/{case_id}/runs", dependencies=[page_needs("playbooks.run")])
def start_run(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    values = text_fields(form)
    try:
        if not values.get("playbook"):
            raise InvalidInput("choose the playbook to start")
        command = StartRun(playbook=values["playbook"])
        playbook = check_start_run(runtime.db, viewer.principal, runtime.desk, case_id, command)
        do_start_run(runtime.db, runtime.clock, runtime.desk, viewer.principal, case_id, playbook)
    except REFUSALS as exc:
        return _again(request, runtime, viewer, case_id, exc, values)
    return redirect(request, f"/cases/{case_id}#playbook")


@router.post("/runs/{run_id}/act", dependencies=[page_needs("playbooks.run")])
def act(request: Request, run_id: int, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    case_id = get_run(runtime.db, viewer.principal, run_id).case_id
    try:
        event = _event(values)
        check_send_event(runtime.db, viewer.principal, runtime.desk, run_id, event)
        do_send_event(runtime.db, runtime.clock, runtime.desk, viewer.principal, run_id, event)
    except REFUSALS as exc:
        return _again(request, runtime, viewer, case_id, exc, values, run_id)
    return redirect(request, f"/cases/{case_id}#playbook")


@router.post("/runs/{run_id}/stop", dependencies=[page_needs("playbooks.run")])
def stop(request: Request, run_id: int, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    """Stops a run (its timers cancelled) with the reason on the timeline; `restart` starts the
    same playbook again from its first step."""
    values = text_fields(form)
    run = get_run(runtime.db, viewer.principal, run_id)
    reason = values.get("reason", "").strip()[:500]
    restart = values.get("restart") == "1"
    try:
        if not reason:
            what = "restart" if restart else "stop"
            raise InvalidInput(f"say why you {what} the playbook; the reason goes on the timeline")
        if run.status == "waiting":
            event = ev.Stop(reason=("restarted: " if restart else "") + reason)
            check_send_event(runtime.db, viewer.principal, runtime.desk, run_id, event)
            do_stop_run(
                runtime.db, runtime.clock, runtime.desk, viewer.principal, run_id, event.reason
            )
        elif not restart:
            raise Conflict(f"the playbook is {run.status} already; nothing to stop")
        else:
            note = AddMessage(kind="note", body=f"Playbook {run.playbook} restarted: {reason}")
            check_add_message(runtime.db, viewer.principal, run.case_id, note)
            do_add_message(
                runtime.db, runtime.clock, viewer.principal, run.case_id, note, runtime.desk
            )
        if restart:
            command = StartRun(playbook=run.playbook)
            playbook = check_start_run(
                runtime.db, viewer.principal, runtime.desk, run.case_id, command
            )
            do_start_run(
                runtime.db, runtime.clock, runtime.desk, viewer.principal, run.case_id, playbook
            )
    except REFUSALS as exc:
        return _again(request, runtime, viewer, run.case_id, exc, values, run_id)
    return redirect(request, f"/cases/{run.case_id}#playbook")
