"""What can happen to a run: people acting on it, messages arriving, timers firing.

Each event is a small frozen model with a `type`; `Event` is their tagged union (JSON in the API).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Party = Literal["customer", "partner", "other-customer"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    by: str = ""  # who acted, in words (an agent's name, "worker", "simulation")

    @property
    def kind(self) -> str:
        return str(getattr(self, "type", "event"))

    @property
    def agent_action(self) -> bool:
        """An agent's deliberate act: refused with a conflict when it does not fit the run."""
        return False


class CaseCreated(_Event):
    type: Literal["case-created"] = "case-created"


class Replied(_Event):
    """A message arrived from the customer, the partner, or the other customer."""

    type: Literal["replied"] = "replied"
    party: Party = "customer"
    text: str = ""  # what they wrote (a confirmation reads the yes or no from it)
    answer: Literal["yes", "no"] | None = None  # a button they pressed (the customer link)

    @property
    def name(self) -> str:
        return f"{self.party}-reply"


class Ticked(_Event):
    """An agent ticked a checklist item (by index or by its text), recording values."""

    type: Literal["tick"] = "tick"
    item: int | str | Literal["all"] = "all"
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def agent_action(self) -> bool:
        return True


class Chose(_Event):
    type: Literal["choose"] = "choose"
    option: str
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def agent_action(self) -> bool:
        return True


class Approved(_Event):
    type: Literal["approve"] = "approve"
    comment: str = ""

    @property
    def agent_action(self) -> bool:
        return True


class Rejected(_Event):
    type: Literal["reject"] = "reject"
    comment: str = ""

    @property
    def agent_action(self) -> bool:
        return True


class TimerFired(_Event):
    """A durable timer fired; its token says which wait it was started for."""

    type: Literal["timer"] = "timer"
    token: str


class FieldChanged(_Event):
    type: Literal["field-changed"] = "field-changed"
    field: str
    value: Any = None


class TaskDone(_Event):
    """A task was done: by an agent in the console, or by the partner (portal or e-mail).

    `values` are recorded on the run, e.g. the partner's answer and tracking number.
    """

    type: Literal["task-done"] = "task-done"
    step: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def agent_action(self) -> bool:
        return True


class Named(_Event):
    """A playbook event an agent records, e.g. `item-returned`."""

    type: Literal["event"] = "event"
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def agent_action(self) -> bool:
        return True


class ConnectorAnswered(_Event):
    """A connector answered call number `call` of the run (or the worker gave up on it)."""

    type: Literal["connector-answered"] = "connector-answered"
    call: str
    outcome: Literal["ok", "refused", "failed"]
    reason: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Confirmed(_Event):
    """An agent records the customer's yes or no (after an unclear answer, or by phone)."""

    type: Literal["confirm"] = "confirm"
    answer: Literal["yes", "no"]
    text: str = ""  # the customer's words, verbatim

    @property
    def agent_action(self) -> bool:
        return True


class Stop(_Event):
    type: Literal["stop"] = "stop"
    reason: str = ""

    @property
    def agent_action(self) -> bool:
        return True


Event = Annotated[
    CaseCreated
    | Replied
    | Ticked
    | Chose
    | Approved
    | Rejected
    | TimerFired
    | FieldChanged
    | TaskDone
    | Named
    | ConnectorAnswered
    | Confirmed
    | Stop,
    Field(discriminator="type"),
]
