"""Fulfilment promises (seed 002): is an order inside its processing or shipping SLA?

Counts business days on the fulfilment calendar and explains the verdict in words for routing.

- Processing: an order with no shipment that has left is measured from the date it was placed.
- Shipping: the oldest shipment still in transit is measured from the date it shipped, against
  the domestic promise when it goes to a domestic country (US by default), else international.
- Delivered: every shipment arrived; the slowest one's transit is judged the same way.

Age is `BusinessCalendar.open_days_between(since, today)`: the open dates after the start date
up to and including today, in the calendar's timezone. An order is inside its SLA while the age
is at most the promise (4 business days: placed Monday, still inside on Friday, outside on the
following Monday).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sopdesk.domain.calendar import BusinessCalendar


class FulfilmentStage(StrEnum):
    PROCESSING = "processing"
    SHIPPING = "shipping"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class FulfilmentPromise:
    """The promised business days of each stage; a desk's sla.yaml supplies them."""

    processing_days: int = 4
    domestic_shipping_days: int = 10
    international_shipping_days: int = 20
    domestic_countries: frozenset[str] = frozenset({"US"})

    def __post_init__(self) -> None:
        days = (self.processing_days, self.domestic_shipping_days, self.international_shipping_days)
        if min(days) < 0:
            raise ValueError(f"fulfilment promises cannot be negative: {days}")

    def shipping_days(self, country: str | None) -> tuple[int, str]:
        """The shipping promise for a destination, and how to name that destination."""
        if country is None:
            return self.international_shipping_days, "an unknown country (international)"
        if country.strip().upper() in self.domestic_countries:
            return self.domestic_shipping_days, country.strip().upper()
        return self.international_shipping_days, f"{country.strip().upper()} (international)"


@dataclass(frozen=True)
class ShipmentFacts:
    """What is known of one parcel; a shipment that has not left has no shipped_at."""

    shipped_at: datetime | None
    delivered_at: datetime | None = None
    destination_country: str | None = None


@dataclass(frozen=True)
class FulfilmentDecision:
    stage: FulfilmentStage
    inside_sla: bool
    since: date
    age_days: int
    promise_days: int
    due_on: date
    reason: str

    @property
    def outside_sla(self) -> bool:
        return not self.inside_sla


def assess_fulfilment(
    *,
    placed_at: datetime,
    destination_country: str | None,
    shipments: Sequence[ShipmentFacts],
    now: datetime,
    calendar: BusinessCalendar,
    promise: FulfilmentPromise,
) -> FulfilmentDecision:
    """Decide which promise applies to an order now and whether it is kept."""
    left = [s for s in shipments if s.shipped_at is not None]
    if not left:
        since = calendar.local_date(placed_at)
        return _decide(
            FulfilmentStage.PROCESSING,
            since,
            calendar.local_date(now),
            promise.processing_days,
            f"placed {since}",
            calendar,
        )
    in_transit = [s for s in left if s.delivered_at is None]
    if in_transit:
        oldest = min(in_transit, key=lambda s: _shipped(s))
        days, where = promise.shipping_days(oldest.destination_country or destination_country)
        since = calendar.local_date(_shipped(oldest))
        return _decide(
            FulfilmentStage.SHIPPING,
            since,
            calendar.local_date(now),
            days,
            f"to {where}, shipped {since}",
            calendar,
        )
    decisions = []
    for shipment in left:
        days, where = promise.shipping_days(shipment.destination_country or destination_country)
        since = calendar.local_date(_shipped(shipment))
        arrived = calendar.local_date(shipment.delivered_at or now)
        decisions.append(
            _decide(
                FulfilmentStage.DELIVERED,
                since,
                arrived,
                days,
                f"to {where}, shipped {since}, delivered {arrived}",
                calendar,
                tense="after shipping",
            )
        )
    return max(decisions, key=lambda d: (d.outside_sla, d.age_days - d.promise_days))


def _shipped(shipment: ShipmentFacts) -> datetime:
    assert shipment.shipped_at is not None  # callers filter on it
    return shipment.shipped_at


def _decide(
    stage: FulfilmentStage,
    since: date,
    today: date,
    promise_days: int,
    what: str,
    calendar: BusinessCalendar,
    tense: str = "ago",
) -> FulfilmentDecision:
    age = max(0, calendar.open_days_between(since, today))
    inside = age <= promise_days
    days = "business day" if age == 1 else "business days"
    verdict = "inside SLA" if inside else "outside SLA"
    return FulfilmentDecision(
        stage=stage,
        inside_sla=inside,
        since=since,
        age_days=age,
        promise_days=promise_days,
        due_on=calendar.add_open_dates(since, promise_days),
        reason=f"{stage.value}: {what}, {age} {days} {tense}, promise {promise_days}: {verdict}",
    )
