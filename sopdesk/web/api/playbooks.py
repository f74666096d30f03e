"""/api/v1/cases/{id}/runs and /api/v1/runs: start, read, stop playbook runs and send them events.

An event that does not fit the run's state is a 409 problem and changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from sopdesk.domain.playbooks.events import (
    Approved,
    Chose,
    Confirmed,
    Named,
    Rejected,
    Replied,
    Stop,
    TaskDone,
    Ticked,
)
from sopdesk.engine.playbook_checks import check_send_event, check_start_run
from sopdesk.engine.playbooks import (
    RunView,
    StartRun,
    do_send_event,
    do_start_run,
    get_run,
    list_case_runs,
)
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(tags=["playbooks"])


# What a person may send; timers, case creation and stops come from elsewhere.
AgentEvent = Annotated[
    Ticked | Chose | Approved | Rejected | Named | TaskDone | Replied | Confirmed,
    Field(discriminator="type"),
]


class StopRun(BaseModel):
    reason: str = Field(default="", max_length=1000)


@router.post(
    "/cases/{case_id}/runs",
    dependencies=[needs("playbooks.run")],
    status_code=status.HTTP_201_CREATED,
    summary="Start a playbook on a case",
)
def start_run(case_id: int, body: StartRun, caller: Caller, runtime: Rt) -> RunView:
    playbook = check_start_run(runtime.db, caller, runtime.desk, case_id, body)
    return do_start_run(runtime.db, runtime.clock, runtime.desk, caller, case_id, playbook)


@router.get(
    "/cases/{case_id}/runs",
    dependencies=[needs("cases.read")],
    summary="The playbook runs of a case",
)
def case_runs(case_id: int, caller: Caller, runtime: Rt) -> list[RunView]:
    return list_case_runs(runtime.db, caller, case_id)


@router.get(
    "/runs/{run_id}",
    dependencies=[needs("cases.read")],
    summary="A run: its step, what it waits for until when, history",
)
def read_run(run_id: int, caller: Caller, runtime: Rt) -> RunView:
    return get_run(runtime.db, caller, run_id)


@router.post(
    "/runs/{run_id}/events",
    dependencies=[needs("playbooks.run")],
    summary="Tick a checklist item, choose an option, approve, reject, or record an event",
    responses={409: {"description": "The event does not fit the run's state"}},
)
def send_event(run_id: int, body: AgentEvent, caller: Caller, runtime: Rt) -> RunView:
    check_send_event(runtime.db, caller, runtime.desk, run_id, body)
    return do_send_event(runtime.db, runtime.clock, runtime.desk, caller, run_id, body)


@router.post(
    "/runs/{run_id}/stop",
    dependencies=[needs("playbooks.run")],
    summary="Stop a run; its timers are cancelled",
)
def stop_run(run_id: int, body: StopRun, caller: Caller, runtime: Rt) -> RunView:
    event = Stop(reason=body.reason)
    check_send_event(runtime.db, caller, runtime.desk, run_id, event)
    return do_send_event(runtime.db, runtime.clock, runtime.desk, caller, run_id, event)
