"""The playbook panel of a case page: start a run, tick checklist items, choose a branch,
record an event, mark a task done. Every act is the playbook engine's check_/do_send_event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.interpreter import playbook_version
from sopdesk.engine.playbooks import (
    RunView,
    StartRun,
    check_send_event,
    check_start_run,
    do_send_event,
    do_start_run,
    list_case_runs,
)
from sopdesk.errors import InvalidInput
from sopdesk.runtime import Runtime
from sopdesk.web.ui.forms import text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class RunPanel:
    """A run with what the panel adds: the option labels, events and the steps that follow."""

    run: RunView
    labels: dict[str, str]
    events: dict[str, str]
    prompt: str
    then: list[str]
    records: dict[int, list[str]]


def panel_of(desk: Desk, run: RunView) -> RunPanel:
    playbook = desk.playbooks.get(run.playbook)
    # Only the desk's current definition is at hand; a run on an older version shows less.
    if playbook is None or playbook_version(playbook) != run.version:
        return RunPanel(run, {}, {}, "", [], {})
    step = playbook.step(run.step)
    labels: dict[str, str] = {}
    prompt = ""
    then: list[str] = []
    if step is not None:
        if step.choice is not None:
            prompt = step.choice.prompt
            labels = {k: o.label or k for k, o in step.choice.options.items()}
        index = playbook.steps.index(step)
        for _, target in step.targets(playbook.following(index)):
            nxt = playbook.step(target)
            then.append((nxt.title if nxt and nxt.title else target) if nxt else target)
    records = (
        {i: list(item.record) for i, item in enumerate(step.checklist.items)}
        if step is not None and step.checklist is not None
        else {}
    )
    return RunPanel(run, labels, dict(playbook.events), prompt, then, records)


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


@router.post("/cases/{case_id}/runs")
def start_run(
    request: Request, case_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    command = StartRun(playbook=str(form.get("playbook") or "-"))
    playbook = check_start_run(runtime.db, viewer.principal, runtime.desk, case_id, command)
    do_start_run(runtime.db, runtime.clock, runtime.desk, viewer.principal, case_id, playbook)
    return redirect(request, f"/cases/{case_id}#playbook")


@router.post("/runs/{run_id}/act")
def act(request: Request, run_id: int, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    event = _event(text_fields(form))
    check_send_event(runtime.db, viewer.principal, runtime.desk, run_id, event)
    run = do_send_event(runtime.db, runtime.clock, runtime.desk, viewer.principal, run_id, event)
    return redirect(request, f"/cases/{run.case_id}#playbook")


def case_runs_panel(runtime: Runtime, viewer: AgentViewer, case_id: int) -> list[RunPanel]:
    return [
        panel_of(runtime.desk, r) for r in list_case_runs(runtime.db, viewer.principal, case_id)
    ]
