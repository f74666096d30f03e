"""`begin` and `advance`: a run's next state and effects, from its state and one event.

Pure: no clock, no I/O. An agent's act that does not fit the run raises `EventDoesNotFit` (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.confirmation import read_answer
from sopdesk.domain.desk.playbook import Playbook, Step
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.state import RunState, RunStatus
from sopdesk.domain.playbooks.steps import Turn, following, leave, run_from
from sopdesk.domain.recorded import normalise_all
from sopdesk.errors import Conflict


class EventDoesNotFit(Conflict):
    """The event cannot apply to the run as it stands; nothing changed."""


def playbook_version(playbook: Playbook) -> str:
    """A content hash of the playbook's definition: a run keeps the version it started with."""
    definition = playbook.model_dump(mode="json", by_alias=True, exclude_none=True)
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def begin(
    playbook: Playbook,
    now: datetime,
    calendar: BusinessCalendar,
    facts: Mapping[str, Any] | None = None,
    *,
    by: str = "",
) -> tuple[RunState, list[fx.Effect]]:
    """A new run of `playbook`, run from its first step until it first pauses."""
    run = RunState(
        playbook=playbook.slug, version=playbook_version(playbook), step=playbook.steps[0].id
    )
    turn = Turn(playbook, run, now, calendar, facts or {})
    turn.log(run.step, "start", f"started by {by}" if by else "started")
    run_from(turn, run.step)
    return turn.run, turn.effects


def _act_words(event: ev._Event) -> str:
    """What the agent tried, in their words."""
    if isinstance(event, ev.Ticked):
        return "ticking a checklist item"
    if isinstance(event, ev.Chose):
        return f"choosing '{event.option}'"
    if isinstance(event, ev.Approved | ev.Rejected):
        return "deciding an approval"
    if isinstance(event, ev.TaskDone):
        return "marking the task done"
    if isinstance(event, ev.Named):
        return f"recording '{event.name}'"
    return event.kind


def _refuse(run: RunState, event: ev._Event, why: str) -> EventDoesNotFit:
    return EventDoesNotFit(
        f"{_act_words(event)} does not apply now: the playbook '{run.playbook}' is at step "
        f"'{run.step}' and {why}; reload the case to see what the step asks for"
    )


def _waiting_words(run: RunState) -> str:
    w = run.waiting
    if w is None:
        return f"it is {run.status.value}"
    if w.kind == "choice":
        return f"it waits for a choice: {', '.join(w.options)}"
    if w.kind == "event":
        return f"it waits for {w.waits_for}"
    if w.kind == "approval":
        return f"it waits for an approval by {w.waits_for}"
    return f"it waits for its {w.kind}"


def _tick(turn: Turn, step: Step, event: ev.Ticked) -> None:
    assert step.checklist is not None
    items = step.checklist.items
    ticked = set(turn.run.ticks.get(step.id, ()))
    if event.item == "all":
        chosen = [i for i in range(len(items)) if i not in ticked]
    elif isinstance(event.item, int):
        chosen = [event.item]
    else:
        chosen = [i for i, it in enumerate(items) if it.text == event.item]
    if not chosen or any(i < 0 or i >= len(items) for i in chosen):
        raise _refuse(turn.run, event, f"the checklist has no item {event.item!r}")
    if any(i in ticked for i in chosen):
        raise _refuse(turn.run, event, f"item {event.item!r} is already ticked")
    needed = {name for i in chosen for name in items[i].record}
    missing = sorted(needed - set(event.values))
    if missing:
        words = ", ".join(m.replace("_", " ") for m in missing)
        raise EventDoesNotFit(f"fill in the {words} first: ticking this item records it")
    # Typed values are checked as they are entered: a wrong one changes nothing (422).
    values = normalise_all(turn.playbook.recorded_types(), event.values)
    ticked.update(chosen)
    turn.update(
        ticks={**turn.run.ticks, step.id: tuple(sorted(ticked))},
        variables={**turn.run.variables, **values},
    )
    for i in chosen:
        turn.log(step.id, "tick", f"ticked: {items[i].text}")
    required = {i for i, it in enumerate(items) if it.required}
    if required <= ticked:
        leave(turn, step, step.next or following(turn.playbook, step.id), "checklist complete")


def _on_wait(turn: Turn, step: Step, event: ev._Event) -> bool:
    """Handles an event for a run waiting on `step`; False if it does not fit."""
    run, w = turn.run, turn.run.waiting
    assert w is not None
    after = following(turn.playbook, step.id)
    timed_out = isinstance(event, ev.TimerFired) and event.token == w.token
    if w.kind == "choice" and isinstance(event, ev.Chose):
        if event.option not in w.options:
            raise _refuse(run, event, f"'{event.option}' is not offered ({', '.join(w.options)})")
        assert step.choice is not None
        values = normalise_all(turn.playbook.recorded_types(), event.values)
        turn.update(
            choices={**run.choices, step.id: event.option},
            variables={**run.variables, **values},
        )
        target = step.choice.options[event.option].goto
        leave(turn, step, target, f"chose {event.option}" + (f" ({event.by})" if event.by else ""))
        return True
    if w.kind == "checklist" and isinstance(event, ev.Ticked):
        _tick(turn, step, event)
        return True
    if w.kind == "event":
        named = isinstance(event, ev.Named) and event.name == w.waits_for
        replied = isinstance(event, ev.Replied) and event.name == w.waits_for
        if named or replied:
            values = event.values if isinstance(event, ev.Named) else {}
            turn.update(variables={**run.variables, **values})
            leave(turn, step, step.on_event or after, f"{w.waits_for} arrived")
            return True
        if timed_out:
            leave(turn, step, step.on_timeout or after, f"no {w.waits_for} by {w.until}")
            return True
    if w.kind == "approval":
        if isinstance(event, ev.Approved):
            words = f"approved by {event.by}" + (f": {event.comment}" if event.comment else "")
            turn.update(variables={**run.variables, "approval_comment": event.comment})
            leave(turn, step, step.on_approve or after, words)
            return True
        if isinstance(event, ev.Rejected):
            words = f"rejected by {event.by}" + (f": {event.comment}" if event.comment else "")
            turn.update(variables={**run.variables, "approval_comment": event.comment})
            if step.on_reject is None:
                leave(turn, step, None, words)
                turn.update(status=RunStatus.STOPPED, outcome="rejected")
            else:
                leave(turn, step, step.on_reject, words)
            return True
        if timed_out:
            leave(turn, step, step.on_timeout or after, f"no decision by {w.until}")
            return True
    if w.kind == "call" and isinstance(event, ev.ConnectorAnswered) and event.call == w.call:
        _answered(turn, step, event)
        return True
    if w.kind == "confirm":
        if isinstance(event, ev.Replied) and event.party == "customer":
            _confirmation(turn, step, event.answer or read_answer(event.text), event.text)
            return True
        if isinstance(event, ev.Confirmed):
            _confirmation(turn, step, event.answer, event.text, by=event.by)
            return True
        if timed_out:
            leave(turn, step, step.on_timeout or after, f"no yes or no by {w.until}")
            return True
    if w.kind == "task":
        done = isinstance(event, ev.TaskDone) and event.step in (None, step.id)
        answered = (
            isinstance(event, ev.Replied) and event.party == "partner" and w.waits_for == "partner"
        )
        if done or answered:
            if isinstance(event, ev.TaskDone) and event.values:
                turn.update(variables={**run.variables, **event.values})
            leave(turn, step, step.next or after, "task done")
            return True
        if timed_out:
            if step.on_overdue is not None:
                leave(turn, step, step.on_overdue, f"task overdue since {w.until}")
            else:
                turn.update(waiting=w.model_copy(update={"token": None}))
                turn.log(step.id, "task", "task overdue; still waiting for it")
                turn.effects.append(fx.StepLogged(step.id, "task", "task overdue"))
            return True
    return False


def _answered(turn: Turn, step: Step, event: ev.ConnectorAnswered) -> None:
    """The answer of the step's call: kept as `answers.<step>`, then on along its branch."""
    answer = {**event.data, "outcome": event.outcome, "reason": event.reason}
    turn.update(answers={**turn.run.answers, step.id.replace("-", "_"): answer})
    words = f"{step.call.action if step.call else 'call'} {event.outcome}"
    words += f": {event.reason}" if event.reason else ""
    branch = {"ok": step.on_ok, "refused": step.on_refused, "failed": step.on_failed}
    target = branch[event.outcome]
    if event.outcome == "ok" and target is None:
        target = following(turn.playbook, step.id)
    if target is None:  # no branch for a refusal or failure: the run stops, saying why
        leave(turn, step, None, words)
        turn.update(status=RunStatus.STOPPED, outcome=event.outcome)
        return
    leave(turn, step, target, words)


def _confirmation(turn: Turn, step: Step, answer: str | None, text: str, *, by: str = "") -> None:
    """The customer's answer to a confirm step, recorded verbatim; an unclear one goes to an
    agent and the run waits on (the agent records the yes or no, or the timeout comes)."""
    quoted = text.strip()[:500]
    turn.update(variables={**turn.run.variables, "customer_answer": quoted})
    if answer is None:
        turn.log(step.id, "confirm", f"unclear answer: {quoted!r}")
        turn.effects.append(
            fx.AskAgent(
                step.id,
                f"The customer's answer is unclear; read it and record yes or no: {quoted!r}",
            )
        )
        return
    turn.update(variables={**turn.run.variables, "confirmed": answer})
    words = f"the customer said {answer}" + (f" (recorded by {by})" if by else "")
    words += f": {quoted!r}" if quoted else ""
    if answer == "yes":
        leave(turn, step, step.on_yes or following(turn.playbook, step.id), words)
    elif step.on_no is None:  # no branch for a no: nothing is done, the run ends
        leave(turn, step, None, words)
        turn.update(outcome="declined")
    else:
        leave(turn, step, step.on_no, words)


def advance(
    playbook: Playbook,
    run: RunState,
    event: ev._Event,
    now: datetime,
    calendar: BusinessCalendar,
    facts: Mapping[str, Any] | None = None,
) -> tuple[RunState, list[fx.Effect]]:
    """The run after `event` at `now`, and the effects to apply.

    An agent's act (tick, choose, approve, reject, task done, named event, stop) that does not
    fit raises EventDoesNotFit. Anything else that does not fit (a reply nobody waits for, a
    stale timer, a field change) leaves the run as it is, with no effects.
    """
    if run.playbook != playbook.slug or run.version != playbook_version(playbook):
        raise ValueError("advance() needs the playbook version the run started with")
    turn = Turn(playbook, run, now, calendar, facts or {})
    if run.status.is_over:
        if event.agent_action:
            raise _refuse(run, event, f"the run is {run.status.value}")  # no step waits
        return run, []
    if isinstance(event, ev.Stop):
        if run.waiting is not None and run.waiting.token is not None:
            turn.effects.append(fx.CancelTimer(run.waiting.token))
        why = "stopped" + (f" by {event.by}" if event.by else "")
        why += f": {event.reason}" if event.reason else ""
        turn.update(status=RunStatus.STOPPED, waiting=None, outcome="stopped")
        turn.log(run.step, "stop", why)
        turn.effects.append(fx.StepLogged(run.step, "stop", why))
        return turn.run, turn.effects
    step = playbook.step(run.step)
    if run.waiting is None or step is None or not _on_wait(turn, step, event):
        if event.agent_action:
            raise _refuse(run, event, _waiting_words(run))
        return run, []
    return turn.run, turn.effects
