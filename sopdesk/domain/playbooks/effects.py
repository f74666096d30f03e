"""What a run decides to do; the engine applies these in one transaction with the run's state.

Templates (macros, notes, chat texts) are carried unrendered; the applier renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class StepLogged:
    """A step was entered (a `playbook_step` timeline entry)."""

    step: str
    kind: str
    text: str


@dataclass(frozen=True)
class SendMacro:
    """Send a macro to the customer, the partner, the other customer or the team."""

    step: str
    to: str
    macro: str
    reminder: bool = False
    review: bool = False  # hold as a draft for a person instead of sending


@dataclass(frozen=True)
class PostChat:
    step: str
    channel: str
    template: str


@dataclass(frozen=True)
class StartTimer:
    token: str
    due: datetime
    step: str
    purpose: str  # "timeout", "overdue"


@dataclass(frozen=True)
class CancelTimer:
    token: str


@dataclass(frozen=True)
class SetFields:
    """Change case fields: status, column (board), level, priority, category, tags."""

    step: str
    changes: dict[str, Any]
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalate:
    step: str
    level: int
    reason: str


@dataclass(frozen=True)
class OpenTask:
    step: str
    to: str  # partner or team
    title: str
    due: datetime
    macro: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RecordResolution:
    step: str
    kind: str  # refund, replacement, credit, reshipment
    amount: Decimal | None
    currency: str
    paid_by: str  # desk, partner-payout, carrier
    description: str = ""


@dataclass(frozen=True)
class AddComment:
    """A timeline comment from a template, e.g. `Reminder sent {{ today | format_date }}`."""

    step: str
    template: str


@dataclass(frozen=True)
class RequestApproval:
    step: str
    ask: str
    approver: str | None
    role: str | None
    document: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class OfferOptions:
    """A choice is shown to the agent with the options its conditions allow."""

    step: str
    prompt: str
    options: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CallConnector:
    """Call `connector.action` with arguments (templates, rendered by the applier); the run
    waits for the answer, which comes back as a `ConnectorAnswered` event with `call`."""

    step: str
    connector: str
    action: str
    arguments: dict[str, str]
    call: str  # the call's number in the run: the answer names it


@dataclass(frozen=True)
class AskAgent:
    """The customer's answer needs a person (e.g. an unclear reply to a confirmation)."""

    step: str
    text: str


@dataclass(frozen=True)
class HandOff:
    """Start `playbook` on the case (this run has ended, handing the case over)."""

    step: str
    playbook: str
    reason: str = ""


Effect = (
    StepLogged
    | SendMacro
    | PostChat
    | StartTimer
    | CancelTimer
    | SetFields
    | Escalate
    | OpenTask
    | RecordResolution
    | AddComment
    | RequestApproval
    | OfferOptions
    | CallConnector
    | AskAgent
    | HandOff
)
