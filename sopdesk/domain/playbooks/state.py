"""The state of one playbook run: where it stands, what it waits for, what was recorded.

Frozen and JSON-serialisable, so the engine stores it whole and every change is a new value.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class RunStatus(StrEnum):
    RUNNING = "running"  # only between two pauses, inside one advance()
    WAITING = "waiting"
    DONE = "done"
    STOPPED = "stopped"

    @property
    def is_over(self) -> bool:
        return self in (RunStatus.DONE, RunStatus.STOPPED)


WaitKind = Literal["checklist", "choice", "event", "approval", "task", "call", "confirm"]


class Waiting(BaseModel):
    """What a paused run waits for, and until when (None: until a person acts)."""

    model_config = ConfigDict(frozen=True)

    kind: WaitKind
    step: str
    waits_for: str = ""  # the event name, the approver, the task's party...
    until: datetime | None = None
    token: str | None = None  # the timer that ends the wait; a timer with another is stale
    options: tuple[str, ...] = ()  # for a choice: the options offered
    call: str | None = None  # for a call: the number of the call whose answer ends the wait


# How the interpreter words a wait that ran out ("no customer-reply by …", "no decision by …",
# "no yes or no by …", "task overdue …"): the stale-SOP review counts these steps as skipped.
RAN_OUT = ("no ", "task overdue")
WAITING_KINDS = ("wait", "approval", "confirm", "task")  # step kinds that pause


class HistoryEntry(BaseModel):
    """One line of a run's history: a step entered or left, or an event taken."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    step: str
    kind: str  # the step kind, or "event"
    what: str  # in words, e.g. "chose shipped-to-other-customer"
    # Filled in by the engine (the proof of compliance): who acted ("agent:5", "system"), and
    # for an entry a timer caused, the instant the SOP said it was due.
    by: str | None = None
    due: datetime | None = None

    @property
    def ran_out(self) -> bool:
        """A timer ended (or marked overdue) the step's wait: what it waited for never came."""
        return self.due is not None and self.kind in WAITING_KINDS and self.what.startswith(RAN_OUT)


class RunState(BaseModel):
    """A run of one playbook version on one case."""

    model_config = ConfigDict(frozen=True)

    playbook: str
    version: str  # content hash of the playbook definition the run started with
    step: str
    status: RunStatus = RunStatus.RUNNING
    waiting: Waiting | None = None
    ticks: dict[str, tuple[int, ...]] = Field(default_factory=dict)  # step → ticked items
    choices: dict[str, str] = Field(default_factory=dict)  # step → chosen option
    variables: dict[str, Any] = Field(default_factory=dict)  # recorded values, `fields.*`
    # Connector answers by call step (dashes as underscores), read as `answers.<step>.*`.
    answers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    calls: int = 0  # connector calls made so far; the next call is number `<calls + 1>`
    visited: tuple[str, ...] = ()  # every step entered, in order (repeats included)
    history: tuple[HistoryEntry, ...] = ()
    timers: int = 0  # timers started so far; the next token is `<timers + 1>`
    outcome: str | None = None

    def stamped(self, since: int, by: str, due: datetime | None = None) -> RunState:
        """The entries after the first `since` marked with who acted (and, for a timer, when
        it was due)."""
        marked = tuple(
            e.model_copy(update={"by": by, "due": due}) if i >= since and e.by is None else e
            for i, e in enumerate(self.history)
        )
        return self.model_copy(update={"history": marked})

    def record(self, at: datetime, step: str, kind: str, what: str) -> RunState:
        entry = HistoryEntry(at=at, step=step, kind=kind, what=what)
        return self.model_copy(update={"history": (*self.history, entry)})
