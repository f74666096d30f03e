"""Seed 002's fulfilment promises: processing 4, US shipping 10, international 20 business days.

Dates are in a US warehouse calendar (New York, Monday-Friday, US federal holidays).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sopdesk.domain.calendar import BusinessCalendar, OpenInterval
from sopdesk.domain.fulfilment import (
    FulfilmentDecision,
    FulfilmentPromise,
    FulfilmentStage,
    ShipmentFacts,
    assess_fulfilment,
)

NY = ZoneInfo("America/New_York")
WAREHOUSE = BusinessCalendar(
    timezone="America/New_York",
    weekly_hours=dict.fromkeys(range(5), (OpenInterval.parse("08:00-18:00"),)),
    holiday_country="US",
)
SEED_002 = FulfilmentPromise()


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def assess(
    placed: datetime,
    now: datetime,
    shipments: tuple[ShipmentFacts, ...] = (),
    country: str | None = "US",
    promise: FulfilmentPromise = SEED_002,
) -> FulfilmentDecision:
    return assess_fulfilment(
        placed_at=placed,
        destination_country=country,
        shipments=shipments,
        now=now,
        calendar=WAREHOUSE,
        promise=promise,
    )


def test_unshipped_order_six_business_days_old_is_outside_processing() -> None:
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 10, 15))
    assert decision.stage is FulfilmentStage.PROCESSING
    assert decision.outside_sla
    assert decision.age_days == 6
    assert decision.due_on == date(2026, 11, 6)
    assert decision.reason == (
        "processing: placed 2026-11-02, 6 business days ago, promise 4: outside SLA"
    )


@pytest.mark.parametrize(
    ("today", "age", "inside"),
    [
        (date(2026, 11, 2), 0, True),  # placed today
        (date(2026, 11, 3), 1, True),
        (date(2026, 11, 6), 4, True),  # Friday: the last day of the promise
        (date(2026, 11, 8), 4, True),  # Sunday does not count
        (date(2026, 11, 9), 5, False),  # Monday: outside
    ],
)
def test_processing_edges(today: date, age: int, inside: bool) -> None:
    now = ny(today.year, today.month, today.day, 23, 59)
    decision = assess(ny(2026, 11, 2, 9), now)
    assert (decision.age_days, decision.inside_sla) == (age, inside)


def test_processing_age_skips_federal_holidays() -> None:
    # Thanksgiving Thursday 26 November 2026; placed Monday, judged Tuesday after
    decision = assess(ny(2026, 11, 23, 9), ny(2026, 12, 1, 9))
    assert decision.age_days == 5  # Tue, Wed, Fri, Mon, Tue
    assert decision.outside_sla


def test_order_placed_late_evening_counts_from_its_local_date() -> None:
    # 23:30 in New York on 2 November is already 3 November in UTC
    decision = assess(ny(2026, 11, 2, 23, 30), ny(2026, 11, 6, 12))
    assert decision.since == date(2026, 11, 2)
    assert decision.age_days == 4


def test_us_parcel_in_transit_is_judged_on_the_domestic_promise() -> None:
    parcel = ShipmentFacts(shipped_at=ny(2026, 11, 4, 16))
    inside = assess(ny(2026, 11, 2, 10), ny(2026, 11, 18, 9), (parcel,))
    assert inside.stage is FulfilmentStage.SHIPPING
    assert inside.inside_sla and inside.promise_days == 10
    assert inside.reason == (
        "shipping: to US, shipped 2026-11-04, 9 business days ago, promise 10: inside SLA"
    )
    outside = assess(ny(2026, 11, 2, 10), ny(2026, 11, 20, 9), (parcel,))
    assert outside.outside_sla and outside.age_days == 11


def test_international_parcel_gets_twenty_business_days() -> None:
    parcel = ShipmentFacts(shipped_at=ny(2026, 11, 4, 16))
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 20, 9), (parcel,), country="de")
    assert decision.inside_sla
    assert decision.promise_days == 20
    assert "to DE (international)" in decision.reason


def test_the_shipment_destination_wins_over_the_order_destination() -> None:
    parcel = ShipmentFacts(shipped_at=ny(2026, 11, 4, 16), destination_country="CA")
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 20, 9), (parcel,), country="US")
    assert decision.promise_days == 20


def test_unknown_destination_is_counted_as_international_and_said_so() -> None:
    parcel = ShipmentFacts(shipped_at=ny(2026, 11, 4, 16))
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 20, 9), (parcel,), country=None)
    assert decision.promise_days == 20
    assert "unknown country" in decision.reason


def test_the_oldest_parcel_in_transit_is_the_one_judged() -> None:
    parcels = (
        ShipmentFacts(shipped_at=ny(2026, 11, 3, 12), delivered_at=ny(2026, 11, 5, 12)),
        ShipmentFacts(shipped_at=ny(2026, 11, 10, 12)),
        ShipmentFacts(shipped_at=ny(2026, 11, 4, 12)),
        ShipmentFacts(shipped_at=None),  # a label, not yet handed to the carrier
    )
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 20, 9), parcels)
    assert decision.since == date(2026, 11, 4)


def test_a_label_that_never_shipped_is_still_processing() -> None:
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 4, 9), (ShipmentFacts(None),))
    assert decision.stage is FulfilmentStage.PROCESSING


def test_delivered_order_judges_the_slowest_parcel() -> None:
    parcels = (
        ShipmentFacts(shipped_at=ny(2026, 11, 3, 12), delivered_at=ny(2026, 11, 5, 12)),
        ShipmentFacts(shipped_at=ny(2026, 11, 3, 12), delivered_at=ny(2026, 11, 20, 12)),
    )
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 12, 1, 9), parcels)
    assert decision.stage is FulfilmentStage.DELIVERED
    assert decision.outside_sla
    assert decision.reason == (
        "delivered: to US, shipped 2026-11-03, delivered 2026-11-20, "
        "12 business days after shipping, promise 10: outside SLA"
    )


def test_promises_are_parameters() -> None:
    strict = FulfilmentPromise(processing_days=1, domestic_countries=frozenset({"US", "PR"}))
    decision = assess(ny(2026, 11, 2, 10), ny(2026, 11, 4, 9), promise=strict)
    assert decision.outside_sla and decision.promise_days == 1
    parcel = ShipmentFacts(shipped_at=ny(2026, 11, 4, 16), destination_country="PR")
    assert assess(ny(2026, 11, 2), ny(2026, 11, 5), (parcel,), promise=strict).promise_days == 10


def test_an_order_from_the_future_is_zero_days_old() -> None:
    decision = assess(ny(2026, 11, 5, 10), ny(2026, 11, 2, 10))
    assert decision.age_days == 0 and decision.inside_sla


def test_negative_promises_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        FulfilmentPromise(processing_days=-1)
