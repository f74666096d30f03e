"""A scenario on the real engine: a throwaway database, the desk as `sopdesk serve` loads it, a
ManualClock that jumps from one due timer to the next, and the real doors and worker.

Nothing is mocked but the outside world: the worker's `message.out` and `chat.post` handlers
are replaced by ones that record the rendered mail and chat text instead of sending them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sopdesk.desktests.entries import read_entries, read_world
from sopdesk.desktests.world import World, build_world
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.connectors import Answer
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.expectations import unmet_expectations
from sopdesk.domain.playbooks.scenario import Scenario, ScenarioEvent, Timeline
from sopdesk.domain.playbooks.simulation import Entry, SimulationResult, timed_events, to_event
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    SetCaseItems,
    check_add_message,
    check_change_case,
    check_set_case_items,
    do_add_message,
    do_change_case,
    do_set_case_items,
)
from sopdesk.engine.connectors import answer_builtin, is_builtin, record_answer
from sopdesk.engine.jobs import HANDLERS, HandlerRegistry, Job, WorkContext
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.partner_tasks import (
    AnswerTask,
    check_answer_task,
    do_answer_task,
    list_partner_tasks,
)
from sopdesk.engine.playbook_checks import check_send_event
from sopdesk.engine.playbooks import do_send_event
from sopdesk.engine.worker import Worker
from sopdesk.errors import NotFound, SopdeskError
from sopdesk.handlers import import_handlers
from sopdesk.store.db import Database
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import (
    Case,
    CaseEvent,
    ConnectorCall,
    OrderItem,
    PlaybookRun,
    SlaClockRow,
    Timer,
)

# Outbox kinds that leave the building: captured (mail, chat) or left pending (the rest).
CAPTURED = (OutboxKind.MESSAGE.value, OutboxKind.CHAT.value)
OUTSIDE = (
    *CAPTURED,
    OutboxKind.WEBHOOK.value,
    OutboxKind.STATUS_MAIL.value,
    OutboxKind.CONNECTOR_CALL.value,  # answered from the scenario (EngineRun.answer_call)
)
MAX_TICKS = 10_000  # a runaway playbook (a timer that re-arms itself at once) stops here


@dataclass
class Captured:
    """What the worker would have sent: mails (with recipients) and chat posts, in order."""

    mails: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)


def _registry(db: Database, captured: Captured) -> HandlerRegistry:
    import_handlers()
    registry = HandlerRegistry()
    for kind in HANDLERS.kinds:
        handler = HANDLERS.get(kind)
        if kind not in OUTSIDE and handler is not None:
            registry.add(kind, handler)

    def capture_mail(job: Job, ctx: WorkContext) -> None:
        with db.transaction(write=False) as session:
            event = session.get(CaseEvent, int(job.payload["event_id"]))
            data = dict(event.data or {}) if event is not None else {}
            body = (event.body or "") if event is not None else ""
        captured.mails.append(
            {
                "at": ctx.clock.now(),
                "to": data.get("to"),
                "recipient": data.get("recipient") or "customer",
                "subject": data.get("subject") or "",
                "macro": data.get("macro"),
                "step": data.get("step"),
                "body": body,
            }
        )

    def capture_chat(job: Job, ctx: WorkContext) -> None:
        payload = job.payload
        captured.chats.append(
            {"at": ctx.clock.now(), "channel": payload.get("channel"), "text": payload.get("text")}
        )

    registry.add(OutboxKind.MESSAGE.value, capture_mail)
    registry.add(OutboxKind.CHAT.value, capture_chat)
    return registry


class EngineRun:
    """One scenario's run on an empty, migrated database."""

    def __init__(self, db: Database, desk: Desk, scenario: Scenario) -> None:
        self.db, self.desk, self.scenario = db, desk, scenario
        self.times = Timeline(scenario.start, desk.business_calendar())
        self.clock = ManualClock(self.times.start)
        self.captured = Captured()
        registry = _registry(db, self.captured)
        registry.add(OutboxKind.CONNECTOR_CALL.value, self.answer_call)
        self.worker = Worker(WorkContext(db, self.clock, desk), registry)
        self.made: dict[str, int] = {}  # connector calls answered so far, by step
        self.problems: list[str] = []
        self.refused: list[Entry] = []
        self.timers: list[Entry] = []
        self._seen_timers: set[int] = set()
        self.world: World | None = None
        self._fields_pending = dict(scenario.case.fields)
        self.dues: dict[str, datetime] = {}

    def answer_call(self, job: Job, ctx: WorkContext) -> None:
        """A connector call, answered as the scenario states (`answers:`); with no stated
        answer the built-in `orders` connector acts on the scenario's order for real."""
        call_id = int(job.payload["call_id"])
        now = ctx.clock.now()
        with self.db.transaction() as session:
            call = session.get(ConnectorCall, call_id)
            if call is None or call.status != "pending":
                return
            nth = self.made.get(call.step, 0)
            self.made[call.step] = nth + 1
            action = f"{call.connector}.{call.action}"
            stated = self.scenario.answer_for(call.step, action, nth)
            if stated is None and is_builtin(self.desk, call.connector):
                answer_builtin(session, self.desk, call_id, now, job.attempt)
                return
            if stated is None:
                self.problems.append(
                    f"the scenario states no answer for the call {action} ({call.step})"
                )
                stated = Answer(outcome="failed", reason="no answer stated in the scenario")
            record_answer(session, self.desk, call_id, stated, now, job.attempt)

    # --- the clock ------------------------------------------------------------------------

    def _note_timers(self) -> None:
        """Timers the engine armed since the last look (they are deleted when they fire)."""
        with self.db.transaction(write=False) as session:
            rows = session.scalars(select(Timer).order_by(Timer.id)).all()
            for row in rows:
                if row.id in self._seen_timers:
                    continue
                self._seen_timers.add(row.id)
                run = session.get(PlaybookRun, (row.payload or {}).get("run_id", 0))
                due = row.due_at
                local = due.astimezone(self.times.calendar.tz)
                text = f"{row.kind} until {local:%Y-%m-%d %H:%M}"
                step = run.step if run is not None else ""
                self.timers.append(
                    Entry(
                        self.clock.now(),
                        self.times.day(self.clock.now()),
                        step,
                        "timer",
                        text,
                        _timer_effect(row, step),
                    )
                )

    def _note_dues(self) -> None:
        """The latest due instant of each SLA clock (a stopped clock no longer has one)."""
        with self.db.transaction(write=False) as session:
            for metric, due in session.execute(select(SlaClockRow.metric, SlaClockRow.due_at)):
                if due is not None:
                    self.dues[metric] = due

    def _settle(self) -> None:
        """Runs the worker at the current instant until nothing more is due."""
        for _ in range(MAX_TICKS):
            self._note_timers()
            self._note_dues()
            if self.worker.tick().claimed == 0:
                return
        self.problems.append(f"the worker was still busy after {MAX_TICKS} ticks")

    def _advance_to(self, until: datetime) -> None:
        """Jumps from one due timer to the next up to `until`, firing each at its instant."""
        for _ in range(MAX_TICKS):
            self._settle()
            due = self.worker.next_due()
            if due is None or due > until:
                break
            self.clock.set(max(due, self.clock.now()))
        if until > self.clock.now():
            self.clock.set(until)

    # --- events ---------------------------------------------------------------------------

    def _actor(self, key: str) -> Principal:
        assert self.world is not None
        if key not in self.world.agents:
            known = ", ".join(sorted(self.world.agents))
            raise NotFound(f"no agent '{key}' in the scenario (known: {known})")
        return self.world.agents[key]

    def _run_id(self) -> int:
        assert self.world is not None
        with self.db.transaction(write=False) as session:
            run_id = session.scalar(
                select(PlaybookRun.id)
                .where(
                    PlaybookRun.case_id == self.world.case_id,
                    PlaybookRun.playbook == self.scenario.playbook,
                )
                .order_by(PlaybookRun.id.desc())
            )
        if run_id is None:
            raise NotFound(f"the case has no run of playbook '{self.scenario.playbook}'")
        return int(run_id)

    def _partner_answers(self, step: ScenarioEvent) -> None:
        assert self.world is not None
        partner = self.world.partner
        if partner is None:
            raise NotFound("the scenario has no partner to answer (case.partner)")
        tasks = [t for t in list_partner_tasks(self.db, self.clock, partner) if t.status == "open"]
        if not tasks:
            raise NotFound("the partner has no open task to answer")
        values = step.values
        command = AnswerTask(
            answer=str(values.get("answer") or "Done, see above."),
            carrier=values.get("carrier"),
            tracking_number=values.get("tracking_number"),
        )
        task = check_answer_task(self.db, self.clock, partner, tasks[0].id, command)
        do_answer_task(self.db, self.clock, self.desk, partner, task, command)

    def _act(self, step: ScenarioEvent) -> None:
        assert self.world is not None
        case_id = self.world.case_id
        actor = self._actor(step.by if step.by in self.world.agents else "agent")
        if step.by not in self.world.agents and step.reply is None and step.message is None:
            self._actor(step.by)  # names the unknown agent
        if step.reply == "partner" or (step.task_done is not None and step.by == "partner"):
            self._partner_answers(step)
        elif step.reply is not None or step.message is not None:
            body = step.message or f"(a message from the {step.reply})"
            message = AddMessage(kind="inbound", body=body)
            check_add_message(self.db, actor, case_id, message)
            do_add_message(self.db, self.clock, actor, case_id, message, self.desk)
        elif step.agent_reply is not None:
            message = AddMessage(kind="reply", body=step.agent_reply)
            check_add_message(self.db, actor, case_id, message)
            do_add_message(self.db, self.clock, actor, case_id, message, self.desk)
        elif step.items is not None:
            items = SetCaseItems(item_ids=self._item_ids(step.items))
            check_set_case_items(self.db, actor, case_id, items)
            do_set_case_items(self.db, self.clock, actor, case_id, items, self.desk)
        elif step.change is not None:
            command = ChangeCase.model_validate(step.change)
            changes = check_change_case(self.db, actor, self.desk, case_id, command)
            do_change_case(self.db, self.clock, actor, case_id, changes, command.reason, self.desk)
        else:
            if self._fields_pending and step.values is not None:
                # Values the scenario knows before the run are what the agent records with
                # the first action on the run (the live desk has no other door for them).
                step = step.model_copy(update={"values": {**self._fields_pending, **step.values}})
                self._fields_pending = {}
            run_id, event = self._run_id(), to_event(step)
            check_send_event(self.db, actor, self.desk, run_id, event)
            do_send_event(self.db, self.clock, self.desk, actor, run_id, event)

    def _item_ids(self, names: list[str]) -> list[int]:
        """The ids of the case's order lines the scenario names (an unknown name: -1, which
        the engine refuses as it would refuse an agent's mistake)."""
        assert self.world is not None
        with self.db.transaction(write=False) as session:
            case = session.get(Case, self.world.case_id)
            order_id = case.order_id if case is not None else None
            lines = session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
            by_name = {i.name: i.id for i in lines}
        return [by_name.get(name, -1) for name in names]

    def _apply(self, step: ScenarioEvent, at: datetime) -> None:
        day = self.times.day(at)
        try:
            self._act(step)
        except SopdeskError as exc:
            self.refused.append(
                Entry(at, day, "", "refused", f"{step.key} by {step.by}: {exc.message}")
            )
            if step.expect == "ok":
                self.problems.append(f"{step.key} at day {day} by {step.by}: {exc.message}")
            return
        if step.expect != "ok":
            self.problems.append(f"{step.key} at day {day} by {step.by} was expected to be refused")

    def run(self) -> SimulationResult:
        self.world = build_world(self.db, self.clock, self.desk, self.scenario)
        previous = self.times.start
        for step, at in timed_events(self.scenario, self.times, previous, self.problems):
            self._advance_to(at)
            self._apply(step, at)
            previous = at
        self._settle()
        self._advance_to(self.times.at(self.scenario.until, previous, end_of_day=True))
        return self._result()

    def _result(self) -> SimulationResult:
        assert self.world is not None
        with self.db.transaction(write=False) as session:
            row = session.scalar(
                select(PlaybookRun)
                .where(
                    PlaybookRun.case_id == self.world.case_id,
                    PlaybookRun.playbook == self.scenario.playbook,
                )
                .order_by(PlaybookRun.id)
            )
            if row is None and self.scenario.playbook is None:
                run = RunState(playbook="", version="", step="")  # a routing-only scenario
            elif row is None:
                self.problems.append(
                    f"the playbook '{self.scenario.playbook}' never started on the case "
                    f"(category {self.scenario.case.category!r} does not trigger it)"
                )
                run = RunState(playbook=self.scenario.playbook or "", version="", step="")
            else:
                run = RunState.model_validate(row.state)
            entries = read_entries(session, self.world.case_id, self.times)
            world = read_world(session, self.world.case_id, self.times)
        entries = sorted([*entries, *self.timers, *self.refused], key=lambda e: e.at)
        for metric, clock in world["clocks"].items():
            clock["due"] = clock["due"] or self.dues.get(metric)
        world["mails"] = self.captured.mails
        world["chats"] = self.captured.chats
        world["refused"] = [e.text for e in self.refused]
        result = SimulationResult(self.scenario, run, entries, list(self.problems), world)
        result.unmet.extend(unmet_expectations(result, self.times))
        return result


def _timer_effect(row: Timer, step: str) -> fx.StartTimer:
    payload = row.payload or {}
    return fx.StartTimer(
        str(payload.get("token", "")), row.due_at, step, str(payload.get("purpose", row.kind))
    )


def run_on(db: Database, desk: Desk, scenario: Scenario) -> SimulationResult:
    """Runs `scenario` on `db`, which must be empty and migrated."""
    return EngineRun(db, desk, scenario).run()


_TEMPLATE: list[Path] = []  # one migrated database per process, copied for each scenario


def _template() -> Path:
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="sopdesk-scenarios-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"
        db = Database(f"sqlite:///{path}")
        try:
            upgrade(db.engine)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


def run_engine_scenario(desk: Desk, scenario: Scenario) -> SimulationResult:
    """Runs `scenario` on a throwaway SQLite database: a copy of a migrated one, deleted after."""
    with tempfile.TemporaryDirectory(prefix="sopdesk-scenario-") as folder:
        path = Path(folder) / "scenario.db"
        shutil.copyfile(_template(), path)
        db = Database(f"sqlite:///{path}")
        try:
            return run_on(db, desk, scenario)
        finally:
            db.dispose()
