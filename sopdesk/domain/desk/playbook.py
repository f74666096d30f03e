"""Playbooks: an SOP as steps a support lead can read aloud, and an interpreter can run.

Each step has an `id`, exactly one kind key (`send:`, `wait:`...) and the branches its kind allows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from sopdesk.domain.desk.base import DeskDuration, DeskModel, Slug, Text
from sopdesk.domain.desk.sla import Priority, Status
from sopdesk.domain.facts import VERIFIED_TAG
from sopdesk.domain.recorded import RecordType

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Recipient = Literal["customer", "partner", "other-customer", "team"]
BUILTIN_EVENTS = ("customer-reply", "partner-reply", "other-customer-reply")
STEP_KINDS = (
    "checklist",
    "choice",
    "send",
    "wait",
    "remind",
    "approval",
    "set",
    "notify",
    "task",
    "escalate",
    "resolve",
    "call",
    "confirm",
    "handoff",
    "end",
)
BRANCHES = (
    "next",
    "on_event",
    "on_timeout",
    "on_approve",
    "on_reject",
    "on_overdue",
    "on_ok",
    "on_refused",
    "on_failed",
    "on_yes",
    "on_no",
)
# Which branch fields each kind may carry; `next` defaults to the step listed after it.
ALLOWED_BRANCHES: dict[str, tuple[str, ...]] = {
    "checklist": ("next",),
    "choice": (),
    "send": ("next",),
    "wait": ("on_event", "on_timeout"),
    "remind": ("next",),
    "approval": ("on_approve", "on_reject", "on_timeout"),
    "set": ("next",),
    "notify": ("next",),
    "task": ("next", "on_overdue"),
    "escalate": ("next",),
    "resolve": ("next",),
    "call": ("on_ok", "on_refused", "on_failed"),
    "confirm": ("on_yes", "on_no", "on_timeout"),
    "handoff": (),
    "end": (),
}
# A call names `<connector>.<action>`, e.g. `orders.cancel` or `shop.refund`.
CALL_ACTION = r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$"


class ChecklistItem(DeskModel):
    text: Text
    required: bool = True
    # Values the agent writes down: names (text), or names with a type, e.g.
    # `{purchase_date: date, amount: money, condition: {choice: [sealed, opened]}}`.
    record: list[FieldName] | dict[FieldName, RecordType] = Field(default_factory=list)

    def types(self) -> dict[str, RecordType]:
        if isinstance(self.record, dict):
            return dict(self.record)
        return {name: "text" for name in self.record}

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Checklist(DeskModel):
    items: list[ChecklistItem] = Field(min_length=1)


class Option(DeskModel):
    """One answer of a choice: where it leads, and when it is offered."""

    goto: Slug
    label: str = ""
    when: str | None = None  # offered only when this expression is true
    unless: str | None = None  # not offered when this expression is true

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"goto": value} if isinstance(value, str) else value


class Choice(DeskModel):
    prompt: Text
    options: dict[Slug, Option] = Field(min_length=2)


class Send(DeskModel):
    to: Recipient
    macro: Slug
    review: bool = False  # held as a draft an agent edits and sends (engine/drafts.py)


class Wait(DeskModel):
    for_: Slug = Field(alias="for")  # customer-reply, partner-reply, ... or a playbook event
    timeout: DeskDuration | None = None  # required; the lint reports a wait without one
    status: Status | None = None  # the case status while waiting (pauses SLA clocks)


class Remind(DeskModel):
    to: Recipient
    macro: Slug
    review: bool = False


class Approval(DeskModel):
    approver: Slug | None = None  # a named approver from desk.yaml
    role: Slug | None = None  # or anyone with this role
    ask: Text
    document: str = ""  # what the approver is shown, e.g. the proof of purchase
    timeout: DeskDuration | None = None

    @model_validator(mode="after")
    def _who(self) -> Approval:
        if (self.approver is None) == (self.role is None):
            raise ValueError("an approval names exactly one of `approver` or `role`")
        return self


class SetFields(DeskModel):
    status: Status | None = None
    column: Slug | None = None
    level: int | None = Field(default=None, ge=1, le=4)
    priority: Priority | None = None
    category: Slug | None = None
    add_tags: list[str] = Field(default_factory=list)
    remove_tags: list[str] = Field(default_factory=list)
    # true: the customer's identity is verified on this case (`customer.verified`); false: no
    # longer. Kept as the case's tag `identity-verified` (domain/facts.py VERIFIED_TAG).
    verified: bool | None = None

    def tags(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The tags to add and to remove, `verified` included."""
        add, remove = list(self.add_tags), list(self.remove_tags)
        if self.verified is not None:
            (add if self.verified else remove).append(VERIFIED_TAG)
        return tuple(add), tuple(remove)

    @model_validator(mode="after")
    def _something(self) -> SetFields:
        if not self.model_fields_set:
            raise ValueError("`set` needs at least one field to change")
        return self


class Notify(DeskModel):
    channel: str = Field(pattern=r"^#[\w-]+$")
    message: Text  # a template, like a macro body


class Task(DeskModel):
    to: Literal["partner", "team"]
    role: Slug | None = None  # for team tasks: who picks it up
    title: Text
    macro: Slug | None = None  # what the partner receives (partner tasks need one)
    due: DeskDuration
    wait: bool = True  # the run waits until the task is done (or overdue)


class Escalate(DeskModel):
    level: int = Field(ge=1, le=4)
    reason: Text


class Resolve(DeskModel):
    kind: Literal["refund", "replacement", "credit", "reshipment"]
    amount: str | None = None  # an expression, e.g. "item.comp_value"
    paid_by: Literal["desk", "partner", "partner-payout", "carrier"] = "desk"
    description: str = ""


class Call(DeskModel):
    """Act on an outside system (or sopdesk's own orders) through a connector of the desk."""

    action: str = Field(pattern=CALL_ACTION, max_length=161)  # `<connector>.<action>`
    # Arguments sent with the call, each a template over the case facts ("{{ order.number }}").
    with_: dict[FieldName, str] = Field(default_factory=dict, alias="with")

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"action": value} if isinstance(value, str) else value

    @property
    def connector(self) -> str:
        return self.action.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.action.split(".", 1)[1]


class Confirm(DeskModel):
    """Tell the customer what will happen (a macro) and wait for their yes or no."""

    macro: Slug
    timeout: DeskDuration | None = None  # required; the lint reports a confirm without one
    status: Status | None = None  # the case status while waiting (pauses SLA clocks)


class HandOver(DeskModel):
    """Hand the case over to another playbook: this run ends, that one starts on the case."""

    playbook: Slug
    reason: str = ""


class End(DeskModel):
    outcome: Slug
    status: Literal["solved", "closed"] | None = None


class Step(DeskModel):
    """One step of a playbook; `kind` tells which body is set."""

    id: Slug
    title: str = ""
    note: str | None = None  # a timeline comment added when the step is done (a template)
    block: Slug | None = None  # the reusable block it came from (set by `use:`, never written)
    checklist: Checklist | None = None
    choice: Choice | None = None
    send: Send | None = None
    wait: Wait | None = None
    remind: Remind | None = None
    approval: Approval | None = None
    set: SetFields | None = None
    notify: Notify | None = None
    task: Task | None = None
    escalate: Escalate | None = None
    resolve: Resolve | None = None
    call: Call | None = None
    confirm: Confirm | None = None
    handoff: HandOver | None = None
    end: End | None = None
    next: Slug | None = None
    on_event: Slug | None = None
    on_timeout: Slug | None = None
    on_approve: Slug | None = None
    on_reject: Slug | None = None
    on_overdue: Slug | None = None
    on_ok: Slug | None = None
    on_refused: Slug | None = None
    on_failed: Slug | None = None
    on_yes: Slug | None = None
    on_no: Slug | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            given = ", ".join(kinds) or "none"
            raise ValueError(
                f"step '{self.id}' needs exactly one kind ({', '.join(STEP_KINDS)}); it has {given}"
            )
        allowed = ALLOWED_BRANCHES[kinds[0]]
        for branch in BRANCHES:
            if getattr(self, branch) is not None and branch not in allowed:
                others = ", ".join(allowed) or "no branch fields"
                raise ValueError(f"a {kinds[0]} step takes {others}, not `{branch}`")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)

    @property
    def body(self) -> DeskModel:
        body: DeskModel = getattr(self, self.kind)
        return body

    @property
    def pauses(self) -> bool:
        """Whether the run stops here until an event or a timer (a cycle needs one)."""
        if self.kind in ("wait", "approval", "confirm"):
            return True
        return self.task is not None and self.task.wait

    def targets(self, following: str | None) -> list[tuple[str, str]]:
        """(field, step id) of every step this one can lead to; `following` is the next listed."""
        if self.choice is not None:
            return [(f"choice.options.{k}", o.goto) for k, o in self.choice.options.items()]
        if self.end is not None or self.handoff is not None:
            return []
        found = [(b, getattr(self, b)) for b in BRANCHES if getattr(self, b) is not None]
        fallthrough = {
            "wait": "on_event",
            "approval": "on_approve",
            "call": "on_ok",
            "confirm": "on_yes",
        }.get(self.kind, "next")
        if getattr(self, fallthrough) is None and following is not None:
            found.append(("(the step listed after it)", following))
        return found


class Trigger(DeskModel):
    categories: list[Slug] = Field(default_factory=list)  # start on a case of these
    column: Slug | None = None  # or when a case is moved into this board column
    manual: bool = True  # an agent may start it on any case

    @model_validator(mode="after")
    def _something(self) -> Trigger:
        if not self.categories and self.column is None and not self.manual:
            raise ValueError("a playbook that is not manual needs categories or a column")
        return self


class Playbook(DeskModel):
    """One SOP (playbooks/<slug>.yaml)."""

    playbook: Slug
    title: str
    description: str = ""
    source: str = ""  # where the SOP comes from, e.g. "seed 000"
    trigger: Trigger = Field(default_factory=Trigger)
    events: dict[Slug, str] = Field(default_factory=dict)  # events an agent can record
    steps: list[Step] = Field(min_length=1)

    @property
    def slug(self) -> str:
        return self.playbook

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def following(self, index: int) -> str | None:
        return self.steps[index + 1].id if index + 1 < len(self.steps) else None

    def recorded_types(self) -> dict[str, RecordType]:
        """The type of every value a checklist item of the playbook records."""
        return {
            name: kind
            for step in self.steps
            if step.checklist is not None
            for item in step.checklist.items
            for name, kind in item.types().items()
        }
