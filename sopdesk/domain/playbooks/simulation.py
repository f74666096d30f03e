"""Simulating a playbook on a virtual clock: the same interpreter, timers fired in due order.

The result is the timeline and the expectations the scenario names that were not met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.case_items import ItemName, named_items
from sopdesk.domain.connectors import Answer, decide_order_action, order_status
from sopdesk.domain.desk.playbook import Playbook
from sopdesk.domain.desk.settings import BUILTIN_CONNECTORS
from sopdesk.domain.fact_sheet import (
    CaseFacts,
    CustomerFacts,
    EarlierCase,
    FactInputs,
    ItemFacts,
    OrderFacts,
    Party,
    ShipmentFacts,
    build_facts,
)
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.expectations import unmet_expectations
from sopdesk.domain.playbooks.interpreter import EventDoesNotFit, advance, begin
from sopdesk.domain.playbooks.scenario import (
    Scenario,
    ScenarioEvent,
    ScenarioOrder,
    Timeline,
)
from sopdesk.domain.playbooks.state import RunState
from sopdesk.errors import InvalidInput, SopdeskError

Render = Callable[[str, Mapping[str, Any]], str]


@dataclass(frozen=True)
class Entry:
    """One line of a simulated timeline."""

    at: datetime
    day: int
    step: str
    what: str  # sent, reminder, chat, comment, offered, resolution, set, escalate, ...
    text: str
    effect: fx.Effect | None = None
    rendered: str = ""
    outcome: str = ""  # for a connector call: the answer's outcome (ok, refused, failed)


@dataclass
class SimulationResult:
    scenario: Scenario
    run: RunState
    entries: list[Entry] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    # What the engine-driven run saw of the world (sopdesk/desktests): the case's fields, the
    # captured mails and chat posts, SLA clocks, ledger rows; empty for the pure simulation.
    world: dict[str, Any] = field(default_factory=dict)

    @property
    def visited(self) -> set[str]:
        return set(self.run.visited)

    @property
    def ok(self) -> bool:
        return not self.unmet


def _money(value: float) -> Decimal:
    # As the database stores it (Numeric(12, 2)), so templates show the same text.
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _ago(start: datetime, days: int | None) -> datetime | None:
    return None if days is None else start - timedelta(days=days)


def scenario_order(order: ScenarioOrder, start: datetime) -> OrderFacts:
    """The scenario's order as the engine's desk tests write it (lines numbered from 1)."""
    shipments = tuple(
        ShipmentFacts(
            s.carrier,
            s.tracking_number,
            _ago(start, s.shipped_days_ago),
            _ago(start, s.delivered_days_ago),
        )
        for s in order.shipments
    )
    dates = [{"shipped_at": s.shipped_at, "delivered_at": s.delivered_at} for s in shipments]
    return OrderFacts(
        number=order.number,
        placed_at=start - timedelta(days=order.placed_days_ago),
        currency=order.currency,
        total=sum((_money(i.value) for i in order.items), Decimal("0")),
        country=order.country,
        status=order_status({"status": order.status, "shipments": dates}),
        payment_methods=tuple(order.payment_methods),
        shipping_address=order.shipping_address,
        items=tuple(
            ItemFacts(
                n + 1,
                i.name,
                i.serial,
                i.variant,
                _money(i.value),
                None if i.comp_value is None else _money(i.comp_value),
            )
            for n, i in enumerate(order.items)
        ),
        shipments=shipments,
    )


def scenario_facts(
    scenario: Scenario,
    limits: Mapping[str, Any],
    desk_name: str,
    calendar: BusinessCalendar,
    chosen: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What the simulated case looks like to conditions and templates: the same fact sheet as
    the live desk's (domain/fact_sheet.build_facts), the case's item named by its message, or
    `chosen` (item names) once an `items` event said which lines the case is about."""
    case = scenario.case
    start = Timeline(scenario.start, calendar).start
    order = scenario_order(case.order, start) if case.order is not None else None
    lines = [ItemName(i.id, i.name, i.sku, i.variant or "") for i in order.items] if order else []
    if chosen is not None:
        named: Sequence[int] = [i.id for i in lines if i.name in chosen]
    else:
        named = named_items(f"{case.subject}\n{case.body}", lines) if len(lines) > 1 else ()
    inputs = FactInputs(
        case=CaseFacts(
            number=1,
            subject=case.subject,
            status="new",
            priority=case.priority,
            level=1,
            category=case.category,
            channel=case.channel,
            language=case.language,
            created_at=start,
            signals=tuple(case.signals),
        ),
        customer=CustomerFacts(
            name=case.customer.name, email=case.customer.email, phone=case.customer.phone
        ),
        desk_name=desk_name,
        limits=limits,
        now=start,
        tz=calendar.tz,
        order=order,
        chosen_items=named,
        earlier=[
            EarlierCase(e if isinstance(e, str) else e.category, True, start)
            for e in scenario.earlier_cases
        ],
        partner=Party(case.partner.name, case.partner.email) if case.partner else None,
    )
    return build_facts(inputs)


def to_event(step: ScenarioEvent) -> ev._Event:
    by = step.by
    if step.tick is not None:
        return ev.Ticked(item=step.tick, values=step.values, by=by)
    if step.choose is not None:
        return ev.Chose(option=step.choose, values=step.values, by=by)
    if step.approve is not None:
        return ev.Approved(comment=step.approve, by=by)
    if step.reject is not None:
        return ev.Rejected(comment=step.reject, by=by)
    if step.reply is not None:
        return ev.Replied(party=step.reply, by=step.reply)
    if step.event is not None:
        return ev.Named(name=step.event, values=step.values, by=by)
    if step.message is not None:
        return ev.Replied(party="customer", by="customer", text=step.message)
    if step.confirm is not None:
        return ev.Confirmed(answer=step.confirm, text=str(step.values.get("text", "")), by=by)
    if step.task_done is not None:
        return ev.TaskDone(by=by)
    if step.stop is not None:
        return ev.Stop(reason=step.stop, by=by)
    return ev.Named(name=step.key.replace("_", "-"), values=step.values, by=by)


def timed_events(
    scenario: Scenario, times: Timeline, start: datetime, problems: list[str]
) -> Iterator[tuple[ScenarioEvent, datetime]]:
    """The scenario's events with their instants, in order; an event whose time cannot be
    read, or that lies before the one above it, is a problem and is skipped. The pure
    simulation and the engine-driven desk tests walk a scenario through this one function."""
    previous = start
    for step in scenario.events:
        try:
            at = times.at(step.at, previous)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if at < previous:
            problems.append(f"event '{step.key}' at {step.at} is before the one above it")
            continue
        yield step, at
        previous = at


class _Simulation:
    def __init__(
        self,
        playbook: Playbook,
        scenario: Scenario,
        calendar: BusinessCalendar,
        facts: dict[str, Any],
        render: Render,
    ) -> None:
        self.playbook, self.scenario, self.calendar = playbook, scenario, calendar
        self.facts = {**facts, "fields": dict(scenario.case.fields)}
        self.render = render
        self.times = Timeline(scenario.start, calendar)
        self.timers: dict[str, datetime] = {}
        self.entries: list[Entry] = []
        self.problems: list[str] = []
        self.run: RunState | None = None
        self.calls: list[fx.CallConnector] = []
        self.made: dict[str, int] = {}  # calls made so far by step

    def _answer(self, call: fx.CallConnector, at: datetime) -> Answer:
        """The scenario's stated answer, else the built-in connector's decision, else failed."""
        action = f"{call.connector}.{call.action}"
        nth = self.made.get(call.step, 0)
        self.made[call.step] = nth + 1
        stated = self.scenario.answer_for(call.step, action, nth)
        if stated is not None:
            return stated
        if call.connector in BUILTIN_CONNECTORS:
            args = {k: self._fill(v, at) for k, v in call.arguments.items()}
            return decide_order_action(self.facts.get("order"), call.action, args)
        self.problems.append(f"the scenario states no answer for the call {action} ({call.step})")
        return Answer(outcome="failed", reason="no answer stated in the scenario")

    def _answer_calls(self, at: datetime) -> None:
        """Answers the calls the run made at `at`, at once, as a connector would."""
        while self.calls and self.run is not None and not self.run.status.is_over:
            call = self.calls.pop(0)
            answer = self._answer(call, at)
            if answer.outcome == "ok" and answer.order is not None and self.facts.get("order"):
                self.facts["order"] = {**self.facts["order"], **answer.order.changes}
            text = f"{call.connector}.{call.action}: {answer.words}"
            day = self.times.day(at)
            self.entries.append(Entry(at, day, call.step, "called", text, call, "", answer.outcome))
            event = ev.ConnectorAnswered(
                call=call.call, outcome=answer.outcome, reason=answer.reason, data=answer.data
            )
            self._apply(event, at)

    def _context(self, at: datetime) -> dict[str, Any]:
        assert self.run is not None
        return {
            **self.facts,
            "fields": {**self.facts["fields"], **self.run.variables},
            "answers": dict(self.run.answers),
            "today": at.astimezone(self.calendar.tz).date(),
        }

    def _fill(self, template: str, at: datetime) -> str:
        try:
            return self.render(template, self._context(at))
        except SopdeskError as exc:
            self.problems.append(f"template {template!r} cannot be filled: {exc.message}")
            return template

    def _record(self, at: datetime, effects: list[fx.Effect]) -> None:
        day = self.times.day(at)
        for e in effects:
            if isinstance(e, fx.StartTimer):
                self.timers[e.token] = e.due
                text = f"timer until {e.due.astimezone(self.calendar.tz):%Y-%m-%d %H:%M}"
                self.entries.append(Entry(at, day, e.step, "timer", text, e))
            elif isinstance(e, fx.CancelTimer):
                self.timers.pop(e.token, None)
            elif isinstance(e, fx.StepLogged):
                self.entries.append(Entry(at, day, e.step, "step", f"{e.kind}: {e.text}", e))
            elif isinstance(e, fx.SendMacro):
                what = "reminder" if e.reminder else "sent"
                self.entries.append(Entry(at, day, e.step, what, f"macro {e.macro} to {e.to}", e))
            elif isinstance(e, fx.PostChat):
                text = self._fill(e.template, at)
                self.entries.append(Entry(at, day, e.step, "chat", f"{e.channel}: {text}", e, text))
            elif isinstance(e, fx.AddComment):
                text = self._fill(e.template, at)
                self.entries.append(Entry(at, day, e.step, "comment", text, e, text))
            elif isinstance(e, fx.OfferOptions):
                words = f"offered {', '.join(e.options)}"
                self.entries.append(Entry(at, day, e.step, "offered", words, e))
            elif isinstance(e, fx.RecordResolution):
                amount = f" {e.amount} {e.currency}" if e.amount is not None else ""
                text = f"{e.kind}{amount}, paid by {e.paid_by}"
                self.entries.append(Entry(at, day, e.step, "resolution", text, e))
            elif isinstance(e, fx.SetFields):
                text = ", ".join(f"{k}={v}" for k, v in e.changes.items())
                self.entries.append(Entry(at, day, e.step, "set", text, e))
            elif isinstance(e, fx.Escalate):
                text = f"level {e.level}: {e.reason}"
                self.entries.append(Entry(at, day, e.step, "escalate", text, e))
            elif isinstance(e, fx.OpenTask):
                text = f"{e.to}: {self._fill(e.title, at)}"
                self.entries.append(Entry(at, day, e.step, "task", text, e))
                if e.macro:
                    words = f"macro {e.macro} to {e.to}"
                    sent = fx.SendMacro(e.step, e.to, e.macro)
                    self.entries.append(Entry(at, day, e.step, "sent", words, sent))
            elif isinstance(e, fx.RequestApproval):
                text = f"{e.approver or e.role}: {self._fill(e.ask, at)}"
                self.entries.append(Entry(at, day, e.step, "approval", text, e))
            elif isinstance(e, fx.CallConnector):
                self.calls.append(e)
            elif isinstance(e, fx.HandOff):
                text = f"handed over to playbook {e.playbook}"
                self.entries.append(Entry(at, day, e.step, "handoff", text, e))
            elif isinstance(e, fx.AskAgent):
                self.entries.append(Entry(at, day, e.step, "task", f"team: {e.text}", e))
        self._answer_calls(at)

    def _apply(self, event: ev._Event, at: datetime, expect: str = "ok") -> None:
        assert self.run is not None
        try:
            run, effects = advance(self.playbook, self.run, event, at, self.calendar, self.facts)
        except (EventDoesNotFit, InvalidInput) as exc:  # a refused event, a wrong typed value
            if expect == "ok":
                self.problems.append(f"{event.kind} at day {self.times.day(at)}: {exc.message}")
            self.entries.append(
                Entry(at, self.times.day(at), self.run.step, "refused", exc.message)
            )
            return
        if expect != "ok":
            self.problems.append(
                f"{event.kind} at day {self.times.day(at)} was expected to be refused"
            )
        self.run = run
        self._record(at, effects)

    def _fire_until(self, until: datetime) -> None:
        while self.run is not None and not self.run.status.is_over and self.timers:
            token, due = min(self.timers.items(), key=lambda t: (t[1], int(t[0])))
            if due > until:
                return
            del self.timers[token]
            self._apply(ev.TimerFired(token=token, by="timer"), due)

    def run_all(self) -> SimulationResult:
        start = self.times.start
        self.run, effects = begin(self.playbook, start, self.calendar, self.facts, by="simulation")
        self._record(start, effects)
        previous = start
        for step, at in timed_events(self.scenario, self.times, start, self.problems):
            self._fire_until(at)
            if step.items is not None:  # the agent says which lines: the facts change
                desk = self.facts["desk"]
                facts = scenario_facts(
                    self.scenario, desk["limits"], desk["name"], self.calendar, step.items
                )
                self.facts = {**facts, "fields": self.facts["fields"]}
                continue
            self._apply(to_event(step), at, step.expect)
            previous = at
        self._fire_until(self.times.at(self.scenario.until, previous, end_of_day=True))
        world = {"order": self.facts.get("order")}
        result = SimulationResult(self.scenario, self.run, self.entries, list(self.problems))
        result.world.update(world)
        result.unmet.extend(unmet_expectations(result, self.times))
        return result


def simulate(
    playbook: Playbook,
    scenario: Scenario,
    calendar: BusinessCalendar,
    facts: dict[str, Any],
    render: Render,
) -> SimulationResult:
    """Runs `scenario` against `playbook` on a virtual clock; pure apart from `render`."""
    return _Simulation(playbook, scenario, calendar, facts, render).run_all()


def coverage(playbook: Playbook, results: list[SimulationResult]) -> tuple[float, list[str]]:
    """The share of the playbook's steps some scenario visited, and the steps none did."""
    seen = set().union(*(r.visited for r in results)) if results else set()
    missing = [s.id for s in playbook.steps if s.id not in seen]
    return 1 - len(missing) / len(playbook.steps), missing


def branch_coverage(playbook: Playbook, results: list[SimulationResult]) -> tuple[float, list[str]]:
    """The share of the playbook's branches (step -> the step it leads to) some run took, and
    the branches none did, as "step -> target (branch)"."""
    steps = playbook.steps
    edges = [
        (step.id, branch, target)
        for i, step in enumerate(steps)
        for branch, target in step.targets(steps[i + 1].id if i + 1 < len(steps) else None)
    ]
    taken = {pair for r in results for pair in zip(r.run.visited, r.run.visited[1:], strict=False)}
    missing = [f"{s} -> {t} ({b})" for s, b, t in edges if (s, t) not in taken]
    return (1 - len(missing) / len(edges) if edges else 1.0), missing


__all__ = [
    "Entry",
    "SimulationResult",
    "branch_coverage",
    "coverage",
    "scenario_facts",
    "simulate",
    "timedelta",
]
