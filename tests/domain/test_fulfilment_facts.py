"""Seed 002's promises as facts (issue 17 "Must hold"): `fulfilment.*` gives the promise for the
order's destination (US 10, international 20 business days after 4 of processing), counted in
the US warehouse's calendar, and is unknown without an order, so a condition over it fails
closed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sopdesk.desk import load_desk
from sopdesk.domain.facts import check_facts
from sopdesk.domain.playbooks.expressions import holds
from sopdesk.domain.playbooks.scenario import Scenario
from sopdesk.domain.playbooks.world import scenario_facts
from sopdesk.packs import pack_path

DESK = load_desk(pack_path("starter"))


def _facts(order: dict[str, Any] | None, *, with_desk: bool = True) -> dict[str, Any]:
    case: dict[str, Any] = {"category": "order-status"}
    if order is not None:
        case["order"] = order
    scenario = Scenario.model_validate(
        {"playbook": "order-status", "start": "2026-11-23 09:00", "case": case, "expect": []}
    )
    return scenario_facts(
        scenario,
        DESK.limits.model_dump(),
        DESK.name,
        DESK.business_calendar(),
        desk=DESK if with_desk else None,
    )


def test_a_us_order_in_processing_ships_and_arrives_by_us_business_days() -> None:
    facts = _facts({"number": "R-1", "country": "US", "placed_days_ago": 3})  # Friday 20-11
    check_facts(facts)
    f = facts["fulfilment"]
    assert (f["stage"], f["domestic"], f["inside"]) == ("processing", True, True)
    assert (f["processing_days"], f["shipping_days"]) == (4, 10)
    assert f["ships_by"] == date(2026, 11, 27)  # Thanksgiving (26-11) is not a business day
    assert f["arrives_by"] == date(2026, 12, 11)
    assert f["due"] == f["ships_by"] and f["age_days"] == 1
    assert holds("fulfilment.stage == 'processing' and fulfilment.inside", facts)


def test_an_international_parcel_gets_twenty_business_days_from_the_day_it_left() -> None:
    shipped = [{"carrier": "UPS", "tracking_number": "1Z", "shipped_days_ago": 3}]
    facts = _facts({"number": "R-2", "country": "DE", "placed_days_ago": 6, "shipments": shipped})
    f = facts["fulfilment"]
    assert (f["stage"], f["domestic"], f["shipping_days"]) == ("shipping", False, 20)
    assert f["arrives_by"] == date(2026, 12, 21) and f["due"] == f["arrives_by"]
    us = _facts({"number": "R-3", "country": "US", "placed_days_ago": 6, "shipments": shipped})
    assert us["fulfilment"]["arrives_by"] == date(2026, 12, 7)  # 10 US business days


def test_an_order_past_its_processing_promise_is_outside() -> None:
    facts = _facts({"number": "R-4", "country": "US", "placed_days_ago": 10})
    assert facts["fulfilment"]["inside"] is False and facts["fulfilment"]["age_days"] > 4
    assert holds("not fulfilment.inside", facts)
    assert not holds("fulfilment.stage == 'processing' and fulfilment.inside", facts)


def test_without_an_order_or_promises_the_fulfilment_is_unknown_and_fails_closed() -> None:
    for facts in (_facts(None), _facts({"number": "R-5", "country": "US"}, with_desk=False)):
        check_facts(facts)
        assert facts["fulfilment"] is None
        assert not holds("fulfilment.inside", facts)
        assert not holds("fulfilment.inside == false", facts)
        assert not holds("fulfilment.shipping_days > 5", facts)
