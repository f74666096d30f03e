"""Running steps: from one step onwards until a step pauses the run or the playbook ends.

Steps that do not pause (send, set, notify...) run in one go; a cycle guard stops a runaway loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.case_limits import in_words, limits_read
from sopdesk.domain.desk.playbook import Playbook, Step
from sopdesk.domain.fact_sheet import with_tags
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.expressions import ExpressionError, evaluate, holds, knows
from sopdesk.domain.playbooks.state import RunState, RunStatus, Waiting
from sopdesk.domain.recorded import read_back

# Steps one advance() may run before the run is stopped as a runaway loop (the desk lint
# refuses cycles without a pause, so this only guards against a lint gap).
MAX_STEPS_PER_ADVANCE = 200


@dataclass
class Turn:
    """One advance() in progress: the run as it changes and the effects decided so far."""

    playbook: Playbook
    run: RunState
    now: datetime
    calendar: BusinessCalendar
    facts: Mapping[str, Any]
    effects: list[fx.Effect] = field(default_factory=list)

    def names(self) -> dict[str, Any]:
        """What expressions read: the case facts plus the run's recorded values as `fields`."""
        stored = {**dict(self.facts.get("fields") or {}), **self.run.variables}
        fields = read_back(self.playbook.recorded_types(), stored)
        names = {**self.facts, "fields": fields, "choices": dict(self.run.choices)}
        return {**names, "answers": dict(self.run.answers)}

    def log(self, step: str, kind: str, what: str) -> None:
        self.run = self.run.record(self.now, step, kind, what)

    def update(self, **changes: Any) -> None:
        self.run = self.run.model_copy(update=changes)

    def new_token(self) -> str:
        self.update(timers=self.run.timers + 1)
        return str(self.run.timers)


def offered_options(step: Step, names: Mapping[str, Any]) -> tuple[str, ...]:
    """The options of a choice whose `when` holds and whose `unless` does not."""
    assert step.choice is not None
    offered = []
    for key, option in step.choice.options.items():
        if option.when is not None and not holds(option.when, names):
            continue
        # Fail closed: an `unless` over an unknown value (no item, no limit) does not offer it.
        if option.unless is not None and (
            holds(option.unless, names) or not knows(option.unless, names)
        ):
            continue
        offered.append(key)
    return tuple(offered)


def following(playbook: Playbook, step_id: str) -> str | None:
    index = next(i for i, s in enumerate(playbook.steps) if s.id == step_id)
    return playbook.following(index)


def leave(turn: Turn, step: Step, target: str | None, why: str) -> None:
    """Ends a paused step (its note is written now) and runs on from `target`."""
    if turn.run.waiting is not None and turn.run.waiting.token is not None:
        turn.effects.append(fx.CancelTimer(turn.run.waiting.token))
    turn.update(waiting=None, status=RunStatus.RUNNING)
    turn.log(step.id, step.kind, why)
    if step.note:
        turn.effects.append(fx.AddComment(step.id, step.note))
    run_from(turn, target)


def stop(turn: Turn, step_id: str, why: str) -> None:
    turn.update(status=RunStatus.STOPPED, waiting=None, outcome="stopped")
    turn.log(step_id, "stop", why)
    turn.effects.append(fx.StepLogged(step_id, "stop", why))


def _amount(turn: Turn, source: str | None) -> Decimal | None:
    if source is None:
        return None
    value = evaluate(source, turn.names())
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ExpressionError(f"the amount '{source}' is {value!r}, not a number") from None


def _currency(turn: Turn) -> str:
    order = turn.facts.get("order") or {}
    desk = turn.facts.get("desk") or {}
    limits = desk.get("limits") or {}
    return str(order.get("currency") or limits.get("currency") or "EUR")


def _only_option(step: Step, offered: tuple[str, ...]) -> tuple[str, str] | None:
    """When the conditions leave one option of several, the step to go to (taken without
    asking, the reason in the step's log); None when the agent chooses."""
    assert step.choice is not None
    options = step.choice.options
    if len(offered) != 1 or len(options) < 2:
        return None
    reasons = []
    for key, option in options.items():
        if key in offered:
            continue
        if option.when is not None:
            reasons.append(f"{key} only when {option.when}")
        if option.unless is not None:
            reasons.append(f"{key} not when {option.unless} (or when it is unknown)")
    return offered[0], "; ".join(reasons)


def _log_limits(turn: Turn, step: Step) -> None:
    """Names on the timeline the count (and the counted cases) of each case limit the choice's
    conditions read, before they are weighed."""
    assert step.choice is not None
    conditions = [t for o in step.choice.options.values() for t in (o.when, o.unless)]
    limits = turn.facts.get("case_limits") or {}
    for name in limits_read(conditions):
        if name in limits:
            text = in_words(name, limits[name])
            turn.effects.append(fx.StepLogged(step.id, "limit", text))
            turn.log(step.id, "limit", text)


def _pause(turn: Turn, waiting: Waiting) -> None:
    turn.update(status=RunStatus.WAITING, waiting=waiting)


def _confirm(turn: Turn, step: Step) -> None:
    """Tells the customer what will happen and waits for their yes or no (or the timeout)."""
    confirm = step.confirm
    assert confirm is not None
    turn.effects.append(fx.SendMacro(step.id, "customer", confirm.macro))
    token = until = None
    if confirm.timeout is not None:
        until = confirm.timeout.after(turn.now, turn.calendar)
        token = turn.new_token()
        turn.effects.append(fx.StartTimer(token, until, step.id, "timeout"))
    if confirm.status is not None:
        turn.effects.append(fx.SetFields(step.id, {"status": confirm.status}))
    what = "the customer's yes or no"
    _pause(turn, Waiting(kind="confirm", step=step.id, waits_for=what, until=until, token=token))


def _run_step(turn: Turn, step: Step) -> str | bool | None:
    """Runs one step; returns the next step id, None at the end, or False when it pauses."""
    now, calendar = turn.now, turn.calendar
    nxt = step.next or following(turn.playbook, step.id)
    if step.checklist is not None:
        _pause(turn, Waiting(kind="checklist", step=step.id, waits_for="checklist"))
        return False
    if step.choice is not None:
        _log_limits(turn, step)
        options = offered_options(step, turn.names())
        if not options:
            stop(turn, step.id, "no option of this choice applies to the case")
            return False
        alone = _only_option(step, options)
        if alone is not None:
            key, why = alone
            turn.update(choices={**turn.run.choices, step.id: key})
            text = f"chose {key} by itself, the only option that applies: {why}"
            turn.effects.append(fx.StepLogged(step.id, "choice", text))
            turn.log(step.id, "choice", text)
            return step.choice.options[key].goto
        turn.effects.append(fx.OfferOptions(step.id, step.choice.prompt, options))
        _pause(turn, Waiting(kind="choice", step=step.id, waits_for="choice", options=options))
        return False
    if step.send is not None or step.remind is not None:
        body = step.send or step.remind
        assert body is not None
        turn.effects.append(
            fx.SendMacro(step.id, body.to, body.macro, step.remind is not None, body.review)
        )
        return nxt
    if step.wait is not None:
        token = until = None
        if step.wait.timeout is not None:
            until = step.wait.timeout.after(now, calendar)
            token = turn.new_token()
            turn.effects.append(fx.StartTimer(token, until, step.id, "timeout"))
        if step.wait.status is not None:
            turn.effects.append(fx.SetFields(step.id, {"status": step.wait.status}))
        what = step.wait.for_
        _pause(turn, Waiting(kind="event", step=step.id, waits_for=what, until=until, token=token))
        return False
    if step.approval is not None:
        a = step.approval
        token = until = None
        if a.timeout is not None:
            until = a.timeout.after(now, calendar)
            token = turn.new_token()
            turn.effects.append(fx.StartTimer(token, until, step.id, "timeout"))
        request = fx.RequestApproval(step.id, a.ask, a.approver, a.role, a.document, until)
        turn.effects.append(request)
        who = a.approver or f"role {a.role}"
        waiting = Waiting(kind="approval", step=step.id, waits_for=who, until=until, token=token)
        _pause(turn, waiting)
        return False
    if step.set is not None:
        s = step.set
        changes = {
            name: getattr(s, name)
            for name in ("status", "column", "level", "priority", "category")
            if getattr(s, name) is not None
        }
        add, remove = s.tags()
        turn.effects.append(fx.SetFields(step.id, changes, add, remove))
        if add or remove:  # later steps of this turn read the new tags (customer.verified)
            turn.facts = with_tags(turn.facts, add, remove)
        return nxt
    if step.notify is not None:
        turn.effects.append(fx.PostChat(step.id, step.notify.channel, step.notify.message))
        return nxt
    if step.task is not None:
        t = step.task
        due = t.due.after(now, calendar)
        turn.effects.append(fx.OpenTask(step.id, t.to, t.title, due, t.macro, t.role))
        if not t.wait:
            return nxt
        token = turn.new_token()
        turn.effects.append(fx.StartTimer(token, due, step.id, "overdue"))
        _pause(turn, Waiting(kind="task", step=step.id, waits_for=t.to, until=due, token=token))
        return False
    if step.escalate is not None:
        turn.effects.append(fx.Escalate(step.id, step.escalate.level, step.escalate.reason))
        return nxt
    if step.resolve is not None:
        r = step.resolve
        amount = _amount(turn, r.amount)
        if r.amount is not None and amount is None:
            # Fail closed: never a credit or refund of an unknown amount (no item chosen among
            # several lines, no comp value known); the agent records it by hand.
            stop(turn, step.id, f"stopped: the amount {r.amount} is not known for this case")
            return False
        turn.effects.append(
            fx.RecordResolution(step.id, r.kind, amount, _currency(turn), r.paid_by, r.description)
        )
        return nxt
    if step.call is not None:
        c = step.call
        turn.update(calls=turn.run.calls + 1)
        number = str(turn.run.calls)
        turn.effects.append(fx.CallConnector(step.id, c.connector, c.verb, dict(c.with_), number))
        _pause(turn, Waiting(kind="call", step=step.id, waits_for=c.action, call=number))
        return False
    if step.confirm is not None:
        _confirm(turn, step)
        return False
    if step.handoff is not None:
        h = step.handoff
        turn.effects.append(fx.HandOff(step.id, h.playbook, h.reason))
        turn.update(status=RunStatus.DONE, waiting=None, outcome=f"handed-over-to-{h.playbook}")
        return None
    assert step.end is not None
    if step.end.status is not None:
        turn.effects.append(fx.SetFields(step.id, {"status": step.end.status}))
    turn.update(status=RunStatus.DONE, waiting=None, outcome=step.end.outcome)
    return None


def describe(step: Step) -> str:
    """A step in words for the timeline, e.g. `send macro on-hold to customer`."""
    if step.title:
        return step.title
    body = step.body
    if step.send is not None or step.remind is not None:
        verb = "remind" if step.remind is not None else "send"
        return f"{verb} {body.to} with macro {body.macro}"  # type: ignore[attr-defined]
    if step.wait is not None:
        return f"wait for {step.wait.for_}"
    if step.end is not None:
        return f"end: {step.end.outcome}"
    if step.handoff is not None:
        return f"hand the case over to playbook {step.handoff.playbook}"
    return step.kind


def run_from(turn: Turn, step_id: str | None) -> None:
    """Runs steps from `step_id` until one pauses, the playbook ends, or the guard trips."""
    count = 0
    while True:
        if step_id is None:
            if not turn.run.status.is_over:
                turn.update(status=RunStatus.DONE, waiting=None, outcome=turn.run.outcome or "done")
            return
        count += 1
        if count > MAX_STEPS_PER_ADVANCE:
            stop(turn, step_id, f"stopped: more than {MAX_STEPS_PER_ADVANCE} steps without a pause")
            return
        step = turn.playbook.step(step_id)
        if step is None:
            stop(turn, step_id, f"stopped: the playbook has no step '{step_id}'")
            return
        turn.update(step=step.id, visited=(*turn.run.visited, step.id))
        turn.effects.append(fx.StepLogged(step.id, step.kind, describe(step)))
        result = _run_step(turn, step)
        if result is False:
            if not turn.run.status.is_over:
                turn.log(step.id, step.kind, "waiting")
            return
        turn.log(step.id, step.kind, "done")
        if step.note:
            turn.effects.append(fx.AddComment(step.id, step.note))
        if turn.run.status.is_over:
            return
        step_id = result  # type: ignore[assignment]
