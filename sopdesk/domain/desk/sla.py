"""SLA policies and fulfilment promises of a desk (sla.yaml), plus any extra calendars.

A policy applies to the cases its scope matches; the highest precedence wins an overlap.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sopdesk.domain.desk.base import DeskModel, Duration, Slug
from sopdesk.domain.desk.calendar import BusinessCalendar

Priority = Literal["low", "normal", "high", "critical"]
ChannelName = Literal["email", "web", "chat", "phone", "api", "bot", "portal"]
Status = Literal[
    "new", "open", "waiting_customer", "waiting_partner", "waiting_approval", "solved", "closed"
]
DEFAULT_CALENDAR = "business"
WAITING: tuple[Status, ...] = ("waiting_customer", "waiting_partner", "waiting_approval")


class SlaScope(DeskModel):
    """Which cases a policy applies to; an empty list matches anything."""

    priorities: list[Priority] = Field(default_factory=list)
    categories: list[Slug] = Field(default_factory=list)
    channels: list[ChannelName] = Field(default_factory=list)
    levels: list[int] = Field(default_factory=list)


class SlaTargets(DeskModel):
    first_response: Duration | None = None
    next_response: Duration | None = None
    resolution: Duration | None = None

    @model_validator(mode="after")
    def _one(self) -> SlaTargets:
        if not (self.first_response or self.next_response or self.resolution):
            raise ValueError("a policy needs at least one target")
        return self


class SlaAction(DeskModel):
    """What happens on a warning or a breach; give one or more of the fields."""

    notify: str | None = None  # a team-chat channel from desk.yaml
    message: str | None = None  # template for the chat message
    escalate_to: int | None = Field(default=None, ge=1, le=4)
    set_priority: Priority | None = None
    add_tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> SlaAction:
        if not (self.notify or self.escalate_to or self.set_priority or self.add_tags):
            raise ValueError("an action needs notify, escalate_to, set_priority or add_tags")
        if self.notify and not self.message:
            raise ValueError("a notify action needs a message")
        return self


class SlaPolicy(DeskModel):
    id: Slug
    title: str
    applies_to: SlaScope = Field(default_factory=SlaScope)
    precedence: int = 0
    calendar: Slug = DEFAULT_CALENDAR
    targets: SlaTargets
    pause_when: list[Status] = Field(default_factory=lambda: list(WAITING))
    warn_before: Duration | None = None
    on_warning: list[SlaAction] = Field(default_factory=list)
    on_breach: list[SlaAction] = Field(default_factory=list)
    note: str = ""


class FulfilmentPromise(DeskModel):
    """A promise the business makes about orders (seed 002: processing in 4 business days)."""

    id: Slug
    title: str
    within: Duration
    measured_from: Literal["order", "shipment"] = "order"
    destinations: list[str] = Field(default_factory=list)  # ISO country codes; empty: any
    except_destinations: list[str] = Field(default_factory=list)
    category_when_late: Slug | None = None  # the category of a complaint inside the promise


class SlaFile(DeskModel):
    """sla.yaml as written."""

    calendars: dict[Slug, BusinessCalendar] = Field(default_factory=dict)
    policies: list[SlaPolicy] = Field(default_factory=list)
    fulfilment_promises: list[FulfilmentPromise] = Field(default_factory=list)
