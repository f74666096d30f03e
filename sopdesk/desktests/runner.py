"""A scenario on the real engine: a throwaway database, the desk as `sopdesk serve` loads it, a
ManualClock that jumps from one due timer to the next, and the real doors and worker.

Nothing is mocked but the outside world (capture.py): mail and chat are captured, not sent.
The events go through the desk's doors (actions.py); what the engine recorded is read back as
the timeline (entries.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sopdesk.desktests.actions import Actions
from sopdesk.desktests.capture import Captured, capturing_registry
from sopdesk.desktests.entries import read_attachments, read_entries, read_world
from sopdesk.desktests.matrix import run_matrix
from sopdesk.desktests.throwaway import throwaway_database
from sopdesk.desktests.world import World, build_world
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.connectors import Answer
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.expectations import unmet_expectations
from sopdesk.domain.playbooks.scenario import Scenario, ScenarioEvent, Timeline
from sopdesk.domain.playbooks.simulation import Entry, SimulationResult, timed_events
from sopdesk.domain.playbooks.state import RunState
from sopdesk.engine.connectors import answer_builtin, is_builtin, record_answer
from sopdesk.engine.jobs import Job, WorkContext
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.worker import Worker
from sopdesk.errors import SopdeskError
from sopdesk.store.db import Database
from sopdesk.store.models import ConnectorCall, PlaybookRun, SlaClockRow, Timer

MAX_TICKS = 10_000  # a runaway playbook (a timer that re-arms itself at once) stops here


class EngineRun:
    """One scenario's run on an empty, migrated database."""

    def __init__(self, db: Database, desk: Desk, scenario: Scenario, blobs: Path) -> None:
        self.db, self.desk, self.scenario, self.blobs = db, desk, scenario, blobs
        self.times = Timeline(scenario.start, desk.business_calendar())
        self.clock = ManualClock(self.times.start)
        self.captured = Captured()
        registry = capturing_registry(db, self.captured)
        registry.add(OutboxKind.CONNECTOR_CALL.value, self.answer_call)
        self.worker = Worker(WorkContext(db, self.clock, desk), registry)
        self.made: dict[str, int] = {}  # connector calls answered so far, by step
        self.problems: list[str] = []
        self.refused: list[Entry] = []
        self.timers: list[Entry] = []
        self._seen_timers: set[int] = set()
        self.world: World | None = None
        self.actions: Actions | None = None
        self.matrix: list[dict[str, Any]] = []  # the matrix rows as routed
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

    def _apply(self, step: ScenarioEvent, at: datetime) -> None:
        day = self.times.day(at)
        assert self.actions is not None
        try:
            self.actions.act(step)
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
        pending = dict(self.scenario.case.fields)
        self.actions = Actions(
            self.db, self.clock, self.desk, self.scenario, self.world, self.blobs, pending
        )
        if self.scenario.matrix:
            self.matrix, problems = run_matrix(
                self.db, self.clock, self.desk, self.scenario, self.world, self._settle
            )
            self.problems.extend(problems)
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
        world["attachments"] = read_attachments(self.db, self.world, self.blobs)
        world["matrix"] = self.matrix
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


def run_on(db: Database, desk: Desk, scenario: Scenario, blobs: Path) -> SimulationResult:
    """Runs `scenario` on `db`, which must be empty and migrated; files go under `blobs`."""
    return EngineRun(db, desk, scenario, blobs).run()


def run_engine_scenario(desk: Desk, scenario: Scenario) -> SimulationResult:
    """Runs `scenario` on a throwaway SQLite database: a copy of a migrated one, deleted after."""
    with throwaway_database() as (db, blobs):
        return run_on(db, desk, scenario, blobs)
