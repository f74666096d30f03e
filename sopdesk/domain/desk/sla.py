"""SLA policies and fulfilment promises of a desk (sla.yaml), plus any extra calendars.

A policy applies to the cases its scope matches; the highest precedence wins an overlap.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from sopdesk.domain.desk.base import DeskDuration, DeskModel, Slug
from sopdesk.domain.desk.calendar import CalendarSpec
from sopdesk.domain.duration import Duration, DurationUnit
from sopdesk.domain.fulfilment import FulfilmentPromise

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
    tiers: list[str] = Field(default_factory=list)  # customer tiers, e.g. "standard", "vip"


class SlaTargets(DeskModel):
    first_response: DeskDuration | None = None
    next_response: DeskDuration | None = None
    resolution: DeskDuration | None = None

    @model_validator(mode="after")
    def _one(self) -> SlaTargets:
        if not (self.first_response or self.next_response or self.resolution):
            raise ValueError("a policy needs at least one target")
        return self


class SlaAction(DeskModel):
    """What happens on a warning or a breach; give one or more of the fields."""

    notify: str | None = None  # a team-chat channel from desk.yaml
    email: str | None = None  # an address to mail at once, e.g. the on-call rota's
    message: str | None = None  # template for the chat message
    escalate_to: int | None = Field(default=None, ge=1, le=4)
    set_priority: Priority | None = None
    add_tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> SlaAction:
        if not (
            self.notify or self.email or self.escalate_to or self.set_priority or self.add_tags
        ):
            raise ValueError("an action needs notify, email, escalate_to, set_priority or add_tags")
        if (self.notify or self.email) and not self.message:
            raise ValueError("a notify or email action needs a message")
        return self


class SlaPolicy(DeskModel):
    id: Slug
    title: str
    applies_to: SlaScope = Field(default_factory=SlaScope)
    precedence: int = 0
    calendar: Slug = DEFAULT_CALENDAR
    targets: SlaTargets
    pause_when: list[Status] = Field(default_factory=lambda: list(WAITING))
    warn_before: DeskDuration | None = None
    warn_at_share: float | None = Field(default=None, gt=0, lt=1)  # 0.75: at 3/4 of the target
    on_start: list[SlaAction] = Field(default_factory=list)  # e.g. page the on-call rota at once
    on_warning: list[SlaAction] = Field(default_factory=list)
    on_breach: list[SlaAction] = Field(default_factory=list)
    note: str = ""


Stage = Literal["processing", "domestic_shipping", "international_shipping"]


def _business_days(value: Duration) -> Duration:
    if not (value.business and value.unit is DurationUnit.DAY):
        raise ValueError(f"a fulfilment promise is counted in business days, not '{value}'")
    return value


BusinessDays = Annotated[DeskDuration, AfterValidator(_business_days)]


class Fulfilment(DeskModel):
    """The promises made about orders (seed 002: processing 4, US 10, international 20)."""

    calendar: Slug = DEFAULT_CALENDAR
    processing: BusinessDays
    domestic_shipping: BusinessDays
    international_shipping: BusinessDays
    domestic_countries: list[str] = Field(default_factory=lambda: ["US"])
    categories: dict[Stage, Slug] = Field(default_factory=dict)  # inquiries about each stage
    inquiries: list[Slug] = Field(default_factory=list)  # categories judged by the promise

    @field_validator("domestic_countries")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if len(c) != 2 or not c.isalpha() or not c.isupper()]
        if bad:
            raise ValueError(f"countries are ISO 3166 codes like 'US', not {bad}")
        return value

    def promise(self) -> FulfilmentPromise:
        """The promise in the form sopdesk.domain.fulfilment computes with."""
        return FulfilmentPromise(
            processing_days=self.processing.amount,
            domestic_shipping_days=self.domestic_shipping.amount,
            international_shipping_days=self.international_shipping.amount,
            domestic_countries=frozenset(self.domestic_countries),
        )


class SlaFile(DeskModel):
    """sla.yaml as written."""

    calendars: dict[Slug, CalendarSpec] = Field(default_factory=dict)
    policies: list[SlaPolicy] = Field(default_factory=list)
    fulfilment: Fulfilment | None = None
