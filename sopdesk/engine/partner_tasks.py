"""Partner tasks: what a playbook run asks of a partner (a shop), read and answered by that partner.

A task is the timeline entry that opened it (its id is the task's id); no table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.partner_users import partner_principal, require_partner
from sopdesk.engine.playbook_views import version_of
from sopdesk.engine.playbooks import apply_event_in
from sopdesk.engine.timeline import append_event
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, Order, Partner, PartnerUser, PlaybookRun, Shipment

TASK_PREFIX = "task for partner:"  # how the playbook applier words a partner task's entry
MAX_TASKS = 200
Status = Literal["open", "answered", "closed"]


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerTask:
    """A task as its partner sees it: the request, the case facts it needs, and the answer."""

    id: int
    case_id: int
    run_id: int
    step: str
    title: str
    subject: str
    order_ref: str | None
    items: list[str]
    opened_at: datetime
    due: datetime | None
    status: Status
    overdue: bool
    request_subject: str
    request_text: str
    answer: str | None = None
    answered_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    # What the shop may have found, as buttons: the options of the choice step that follows
    # the task in the playbook (seed 000's four circumstances), as (id, label).
    options: tuple[tuple[str, str], ...] = ()
    asks_tracking: bool = False  # the task asks for tracking (seed 000's "send tracking")


def task_options(session: Session, run: PlaybookRun, step_id: str) -> tuple[tuple[str, str], ...]:
    """The choice that the playbook makes right after this task, offered to the partner."""
    playbook = version_of(session, run.version)
    step = playbook.step(step_id)
    following = playbook.step(step.next) if step is not None and step.next else None
    if following is None or following.choice is None:
        return ()
    return tuple((key, o.label or key) for key, o in following.choice.options.items())


def _run_waits_on(run: PlaybookRun | None, step: str) -> bool:
    if run is None or run.status != "waiting":
        return False
    waiting = RunState.model_validate(run.state).waiting
    return waiting is not None and waiting.kind == "task" and waiting.step == step


def _is_partner_task(session: Session, event: CaseEvent, run: PlaybookRun | None) -> bool:
    data = event.data or {}
    if not data.get("task") or run is None:
        return False
    step = version_of(session, run.version).step(str(data.get("step")))
    return step is not None and step.task is not None and step.task.to == "partner"


def _tasks_of(
    session: Session, partner_id: int, now: datetime, case_id: int | None = None
) -> list[PartnerTask]:
    """Every task the partner was given, open ones first (soonest due), then newest first."""
    query = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            Case.partner_id == partner_id,
            CaseEvent.kind.in_(
                (
                    EventKind.PLAYBOOK_STEP.value,
                    EventKind.MESSAGE_OUT.value,
                    EventKind.MESSAGE_IN.value,
                )
            ),
        )
        .order_by(CaseEvent.id)
    )
    if case_id is not None:
        query = query.where(Case.id == case_id)
    opened: list[tuple[CaseEvent, Case, PlaybookRun]] = []
    requests: list[CaseEvent] = []
    answers: dict[int, CaseEvent] = {}
    runs: dict[int, PlaybookRun | None] = {}
    for event, case in session.execute(query).all():
        data = event.data or {}
        if event.kind == EventKind.PLAYBOOK_STEP.value and (event.body or "").startswith(
            TASK_PREFIX
        ):
            run_id = int(data.get("run_id") or 0)
            if run_id not in runs:
                runs[run_id] = session.get(PlaybookRun, run_id)
            run = runs[run_id]
            if run is not None and _is_partner_task(session, event, run):
                opened.append((event, case, run))
        elif event.kind == EventKind.MESSAGE_OUT.value and data.get("task"):
            requests.append(event)
        elif event.kind == EventKind.MESSAGE_IN.value and isinstance(data.get("task_id"), int):
            answers.setdefault(data["task_id"], event)
    latest: dict[tuple[int, str], int] = {}
    for event, _, run in opened:
        latest[(run.id, str(event.data.get("step")))] = event.id
    tasks = [
        _task_view(session, event, case, run, requests, answers, latest, now)
        for event, case, run in opened[-MAX_TASKS:]
    ]
    waiting = sorted((t for t in tasks if t.status == "open"), key=lambda t: (t.due or now, t.id))
    done = sorted((t for t in tasks if t.status != "open"), key=lambda t: -t.id)
    return waiting + done


def _task_view(
    session: Session,
    event: CaseEvent,
    case: Case,
    run: PlaybookRun,
    requests: list[CaseEvent],
    answers: dict[int, CaseEvent],
    latest: dict[tuple[int, str], int],
    now: datetime,
) -> PartnerTask:
    data = event.data or {}
    step = str(data.get("step"))
    due = datetime.fromisoformat(data["due"]) if data.get("due") else None
    request = next(
        (
            r
            for r in requests
            if r.id > event.id
            and r.case_id == event.case_id
            and (r.data or {}).get("run_id") == run.id
            and (r.data or {}).get("step") == step
        ),
        None,
    )
    answer = answers.get(event.id)
    is_latest = latest.get((run.id, step)) == event.id
    status: Status = (
        "answered"
        if answer is not None
        else "open"
        if is_latest and _run_waits_on(run, step)
        else "closed"
    )
    order = session.get(Order, case.order_id) if case.order_id else None
    items = [f"{i.name} ({i.sku})" for i in order.items] if order is not None else []
    answer_data = (answer.data or {}) if answer is not None else {}
    return PartnerTask(
        id=event.id,
        case_id=case.id,
        run_id=run.id,
        step=step,
        title=(event.body or "").removeprefix(TASK_PREFIX).strip(),
        subject=case.subject,
        order_ref=order.external_ref if order is not None else None,
        items=items,
        opened_at=event.at,
        due=due,
        status=status,
        overdue=status == "open" and due is not None and due < now,
        request_subject=str((request.data or {}).get("subject") or "") if request else "",
        request_text=(request.body or "") if request else "",
        answer=answer.body if answer is not None else None,
        answered_at=answer.at if answer is not None else None,
        carrier=answer_data.get("carrier"),
        tracking_number=answer_data.get("tracking_number"),
        options=task_options(session, run, step),
        asks_tracking="tracking" in (event.body or "").lower(),
    )


def _find(tasks: list[PartnerTask], task_id: int) -> PartnerTask:
    for task in tasks:
        if task.id == task_id:
            return task
    raise NotFound(f"no task with id {task_id} for your shop")


def _load_task(session: Session, partner_id: int, task_id: int, now: datetime) -> PartnerTask:
    event = session.get(CaseEvent, task_id)
    case = session.get(Case, event.case_id) if event is not None else None
    # Another partner's task is "not found": its existence is none of this partner's business.
    if case is None or case.partner_id != partner_id:
        raise NotFound(f"no task with id {task_id} for your shop")
    return _find(_tasks_of(session, partner_id, now, case.id), task_id)


def list_partner_tasks(db: Database, clock: Clock, principal: Principal) -> list[PartnerTask]:
    """The partner's own tasks: open ones first by due time, then the answered and closed."""
    partner_id = require_partner(principal)
    with db.transaction(write=False) as session:
        return _tasks_of(session, partner_id, clock.now())


def get_partner_task(db: Database, clock: Clock, principal: Principal, task_id: int) -> PartnerTask:
    partner_id = require_partner(principal)
    with db.transaction(write=False) as session:
        return _load_task(session, partner_id, task_id, clock.now())


# --- answering ------------------------------------------------------------------------------


class AnswerTask(BaseModel):
    """A partner's answer: what they found or did, and the tracking of what they shipped."""

    answer: str = Field(min_length=1, max_length=10_000)
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(
        default=None, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 .-]*$"
    )
    # What the shop found, one of the task's options (a button on the task page): the run's
    # choice that follows the task is made with it, as an agent's choice would be.
    found: str | None = Field(default=None, max_length=100)

    @field_validator("answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write what you found or did")
        return value.strip()

    @field_validator("carrier", "tracking_number", "found", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value


def _tracking_refused(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"loc": ["body", "tracking_number"], "msg": message}])


def check_answer_task(
    db: Database, clock: Clock, principal: Principal, task_id: int, command: AnswerTask
) -> PartnerTask:
    """Authorises the answer: the task is this partner's and still open; tracking has an order."""
    task = get_partner_task(db, clock, principal, task_id)
    if task.status != "open":
        raise Conflict(f"this task is {task.status}; it cannot be answered again")
    if command.carrier and not command.tracking_number:
        raise _tracking_refused("give the tracking number for this carrier, or leave it out")
    if command.found and command.found not in dict(task.options):
        message = "pick one of the answers offered on the task, or write what you found"
        raise InvalidInput(message, errors=[{"loc": ["body", "found"], "msg": message}])
    if command.tracking_number and task.order_ref is None:
        raise _tracking_refused(
            "this case has no order to add a shipment to; write the tracking in your answer"
        )
    return task


def answer_task_in(
    session: Session,
    desk: Desk,
    case: Case,
    run: PlaybookRun,
    task: PartnerTask,
    principal: Principal,
    command: AnswerTask,
    now: datetime,
    *,
    channel: str,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Records the answer (a shipment, a message_in) and moves the run on, in the caller's
    transaction. The run must be locked and waiting on the task."""
    tracking = {"carrier": command.carrier, "tracking_number": command.tracking_number}
    order = session.get(Order, case.order_id) if case.order_id else None
    if command.tracking_number and order is not None:
        order.shipments.append(
            Shipment(
                carrier=command.carrier,
                tracking_number=command.tracking_number,
                shipped_at=now,
                destination_country=order.destination_country,
            )
        )
    event = append_event(
        session,
        case.id,
        EventKind.MESSAGE_IN,
        now,
        principal,
        body=command.answer,
        channel=channel,
        data={**(data or {}), "task_id": task.id, "run_id": run.id, "step": task.step, **tracking},
    )
    session.flush()
    values = {"partner_answer": command.answer}
    values.update({k: v for k, v in tracking.items() if v})
    done = ev.TaskDone(step=task.step, by=principal.name, values=values)
    apply_event_in(session, desk, run, case, done, now, principal)
    if command.found:
        # The run now waits on the choice the shop's button answers: made as an agent's is.
        chose = ev.Chose(option=command.found, by=principal.name, values=values)
        apply_event_in(session, desk, run, case, chose, now, principal)
    return event


def do_answer_task(
    db: Database,
    clock: Clock,
    desk: Desk,
    principal: Principal,
    task: PartnerTask,
    command: AnswerTask,
) -> PartnerTask:
    """Answers the task in one transaction: shipment, timeline and the run's next step."""
    partner_id = require_partner(principal)
    now = clock.now()
    with db.transaction() as session:
        run = session.scalar(
            select(PlaybookRun).where(PlaybookRun.id == task.run_id).with_for_update()
        )
        current = _load_task(session, partner_id, task.id, now)
        case = session.get(Case, task.case_id)
        if run is None or case is None or current.status != "open":
            raise Conflict(f"this task is {current.status}; it cannot be answered again")
        answer_task_in(session, desk, case, run, current, principal, command, now, channel="portal")
        return _load_task(session, partner_id, task.id, now)


def answer_task_by_mail(
    session: Session,
    desk: Desk,
    case: Case,
    sender: str,
    text: str,
    data: dict[str, Any],
    now: datetime,
) -> CaseEvent | None:
    """Mail from the case's partner (a partner user's or the partner's own address) answers the
    partner's open task on the case; None when it is not such a mail (intake goes on as usual)."""
    if case.partner_id is None:
        return None
    address = sender.strip().lower()
    partner = session.get(Partner, case.partner_id)
    user = session.scalar(
        select(PartnerUser).where(
            PartnerUser.email == address, PartnerUser.partner_id == case.partner_id
        )
    )
    if partner is None or (user is None and (partner.email or "").lower() != address):
        return None
    open_tasks = [t for t in _tasks_of(session, partner.id, now, case.id) if t.status == "open"]
    if not open_tasks:
        return None
    task = open_tasks[0]
    run = session.scalar(select(PlaybookRun).where(PlaybookRun.id == task.run_id).with_for_update())
    if run is None:
        return None
    principal = (
        partner_principal(user, partner)
        if user is not None
        else Principal(kind=ActorKind.PARTNER, id=partner.id, name=partner.name)
    )
    command = AnswerTask(answer=text.strip()[:10_000] or "(no text in this message)")
    return answer_task_in(
        session, desk, case, run, task, principal, command, now, channel="email", data=data
    )
