"""Scenario files: a case, events at times and expectations, to simulate a playbook with.

Times are written as a support lead says them: "day 0 09:00", "day 7", "+2 business days".
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.connectors import Answer, OrderStatus
from sopdesk.domain.duration import Duration

_DAY = re.compile(r"^\s*day\s+(\d+)(?:\s+(\d{1,2}):(\d{2}))?\s*$", re.IGNORECASE)
_REL = re.compile(r"^\s*\+\s*(.+)$")
EVENT_KEYS = (
    "tick",
    "choose",
    "approve",
    "reject",
    "reply",
    "event",
    "task_done",
    "stop",
    "message",
    "agent_reply",
    "change",
    "items",
    "confirm",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioItem(_Model):
    name: str = "Item"
    value: float = 0
    comp_value: float | None = None
    serial: str = ""
    variant: str | None = None


def scenario_sku(item: ScenarioItem, n: int) -> str:
    """The SKU (and so `item.serial`) of a scenario's n-th line (from 0): its `serial`, else
    `item-<n+1>`; the simulation and the desk-test world both read it from here."""
    return item.serial or f"item-{n + 1}"


class ScenarioShipment(_Model):
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_days_ago: int | None = Field(default=None, ge=0)  # before the scenario's start
    delivered_days_ago: int | None = Field(default=None, ge=0)


# The order of a scenario was placed this long before the scenario starts.
ORDER_PLACED_DAYS_AGO = 7


class ScenarioOrder(_Model):
    number: str = "R-1"
    placed_days_ago: int = Field(default=ORDER_PLACED_DAYS_AGO, ge=0)  # before the start
    currency: str = "EUR"
    country: str | None = None
    status: OrderStatus | None = None  # unset: read from the shipments
    payment_methods: list[str] = Field(default_factory=list)
    shipping_address: str | None = None
    items: list[ScenarioItem] = Field(default_factory=list)
    shipments: list[ScenarioShipment] = Field(default_factory=list)


class ScenarioParty(_Model):
    name: str = ""
    email: str = ""
    phone: str = ""  # accounts sharing a phone number are linked (offenses count across them)


class ScenarioEarlier(_Model):
    """An earlier case of the customer, or (another e-mail) of a linked account."""

    category: str
    email: str = ""  # default: the customer's
    phone: str = ""
    days_ago: int = Field(default=0, ge=0)  # opened this many days before the scenario starts
    same_order: bool = False  # about the scenario's order (per-order case limits count it)
    resolution: Literal["refund", "replacement", "credit", "reshipment"] | None = None


class ScenarioAgent(_Model):
    """A named agent of the starting world; events name it with `by:`."""

    name: str
    email: str = ""  # default: <key>@agents.example.com (an approver's: the desk's e-mail for it)
    level: int = 1
    roles: list[str] = Field(default_factory=lambda: ["agent"])


class ScenarioCase(_Model):
    category: str | None = None
    subject: str = "A customer's problem"
    body: str = "Please help."
    channel: str = "email"
    signals: list[str] = Field(default_factory=list)
    language: str = "en"
    priority: str = "normal"
    customer: ScenarioParty = Field(default_factory=lambda: ScenarioParty(name="Customer"))
    partner: ScenarioParty | None = None
    order: ScenarioOrder | None = None
    fields: dict[str, Any] = Field(default_factory=dict)  # values known before the run starts


class ScenarioAttachment(_Model):
    """A file the customer sends with a message: inline `content`, or `size` bytes made up."""

    name: str = Field(min_length=1, max_length=255)
    content_type: str = "application/octet-stream"
    size: int = Field(default=1024, ge=1, le=10_000_000)
    content: str | None = None


class ScenarioEvent(_Model):
    """One thing that happens at a time: exactly one of the event keys."""

    at: str = "+0 minutes"
    tick: int | str | None = None  # an item's index, its text, or "all"
    choose: str | None = None
    approve: str | None = None  # the comment ("" for none)
    reject: str | None = None
    reply: Literal["customer", "partner", "other-customer"] | None = None
    event: str | None = None
    task_done: bool | None = None
    stop: str | None = None
    message: str | None = None  # the customer writes (the engine only)
    # Files with the customer's message (`message` or `reply: customer`; the engine only).
    attachments: list[ScenarioAttachment] = Field(default_factory=list)
    agent_reply: str | None = None  # the named agent replies to the customer (the engine only)
    change: dict[str, Any] | None = None  # the named agent changes fields (the engine only)
    items: list[str] | None = None  # the named agent says which order lines (by name) it is about
    confirm: Literal["yes", "no"] | None = None  # an agent records the customer's yes or no
    values: dict[str, Any] = Field(default_factory=dict)
    by: str = "agent"
    expect: Literal["ok", "conflict", "refused"] = "ok"

    @field_validator("confirm", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        # YAML reads a bare `confirm: no` as false and `yes` as true: take them as meant.
        return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one(self) -> ScenarioEvent:
        given = [k for k in EVENT_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"an event needs exactly one of {', '.join(EVENT_KEYS)}; got {given}")
        if self.attachments and self.message is None and self.reply != "customer":
            raise ValueError("only a customer's message (message, reply: customer) has attachments")
        return self

    @property
    def key(self) -> str:
        return next(k for k in EVENT_KEYS if getattr(self, k) is not None)


class MatrixRow(_Model):
    """One contact of a routing matrix (seed 002): its own customer (default
    `row<N>@example.com`), history and order (default number `M-<N>`), and where routing must
    put it: the level, the category after routing (default: the one it came with), the
    priority, and a fragment of the routing explanation."""

    category: str | None = None
    subject: str = "A customer's question"
    body: str = "Please help."
    signals: list[str] = Field(default_factory=list)
    customer: ScenarioParty | None = None
    order: ScenarioOrder | None = None
    earlier_cases: list[str | ScenarioEarlier] = Field(default_factory=list)
    level: int = Field(ge=1, le=4)
    becomes: str | None = None
    priority: str | None = None
    reason: str | None = None

    def contact(self, n: int) -> ScenarioCase:
        """The row as a scenario case (row numbers from 1)."""
        customer = self.customer or ScenarioParty(name=f"Customer {n}", email=f"row{n}@example.com")
        order = self.order
        if order is not None and "number" not in order.model_fields_set:
            order = order.model_copy(update={"number": f"M-{n}"})
        return ScenarioCase(
            category=self.category,
            subject=self.subject,
            body=self.body,
            signals=self.signals,
            customer=customer,
            order=order,
        )


class Scenario(_Model):
    """A scenario file (scenarios/*.yaml) for one playbook, or (no playbook) for routing."""

    playbook: str | None = None
    title: str = ""
    start: datetime  # local time of the desk unless it names an offset
    case: ScenarioCase = Field(default_factory=ScenarioCase)
    agents: dict[str, ScenarioAgent] = Field(default_factory=dict)  # by key, named by `by:`
    # The customer's earlier cases, for offenses: categories, or {category, email, phone}.
    earlier_cases: list[str | ScenarioEarlier] = Field(default_factory=list)
    events: list[ScenarioEvent] = Field(default_factory=list)
    expect: list[dict[str, Any]] = Field(default_factory=list)
    # Routing-only: more contacts, each routed after the case (the engine only).
    matrix: list[MatrixRow] = Field(default_factory=list)
    until: str = "day 90"  # the clock runs on to here (or until the run ends) after the events
    # How connectors answer the scenario's calls, by call step id or by `connector.action`:
    # one answer for every call, or a list taken in turn (the last one repeats). A call with
    # no stated answer goes to the built-in connector (`orders`) or fails.
    answers: dict[str, Answer | list[Answer]] = Field(default_factory=dict)

    def answer_for(self, step: str, action: str, nth: int) -> Answer | None:
        """The stated answer to the `nth` call (from 0) of `step` / `action`, if any."""
        stated = self.answers.get(step, self.answers.get(action))
        if stated is None or isinstance(stated, Answer):
            return stated
        return stated[min(nth, len(stated) - 1)] if stated else None


class Timeline:
    """Reads scenario times against a start instant and the desk's calendar."""

    def __init__(self, start: datetime, calendar: BusinessCalendar) -> None:
        if start.tzinfo is None:
            start = calendar.wall_instant(start)
        self.start = start
        self.calendar = calendar
        self.local_start = start.astimezone(calendar.tz)

    def day(self, instant: datetime) -> int:
        return (instant.astimezone(self.calendar.tz).date() - self.local_start.date()).days

    def at(
        self, text: str, previous: datetime | None = None, *, end_of_day: bool = False
    ) -> datetime:
        """An instant: "day N [HH:MM]" from the start's date, or "+<duration>" after `previous`."""
        match = _DAY.match(text)
        if match:
            day = self.local_start.date() + timedelta(days=int(match.group(1)))
            if match.group(2) is not None:
                clock = time(int(match.group(2)), int(match.group(3)))
            elif end_of_day:
                clock = time(23, 59, 59)
            else:
                clock = self.local_start.time().replace(tzinfo=None)
            return self.calendar.wall_instant(datetime.combine(day, clock))
        rel = _REL.match(text)
        if rel:
            return self.after(rel.group(1), previous or self.start)
        raise ValueError(
            f"'{text}' is not a time like 'day 2 09:00', 'day 7' or '+2 business days'"
        )

    def after(self, duration: str, since: datetime) -> datetime:
        parsed = Duration.parse(duration)
        if parsed.amount == 0:
            return since
        return parsed.after(since, self.calendar)
