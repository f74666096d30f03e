"""A scenario's starting world as facts: the same fact sheet as the live desk's.

The order, the customer's earlier cases (and so the offense counts and the desk's case limits)
are read from the scenario the way the engine reads them from the database, so a pure
simulation and a desk test see the same `customer.offenses` and `case_limits`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.case_items import ItemName, named_items
from sopdesk.domain.case_limits import PastCase, counted_cases, limit_facts
from sopdesk.domain.connectors import order_status
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.base import nominal
from sopdesk.domain.fact_sheet import (
    CaseFacts,
    CustomerFacts,
    EarlierCase,
    FactInputs,
    ItemFacts,
    OrderFacts,
    Party,
    ShipmentFacts,
    build_facts,
)
from sopdesk.domain.offenses import OffenseEvent, count_offenses
from sopdesk.domain.playbooks.scenario import (
    Scenario,
    ScenarioEarlier,
    ScenarioOrder,
    Timeline,
    scenario_sku,
)


def _money(value: float) -> Decimal:
    # As the database stores it (Numeric(12, 2)), so templates show the same text.
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _ago(start: datetime, days: int | None) -> datetime | None:
    return None if days is None else start - timedelta(days=days)


def scenario_order(order: ScenarioOrder, start: datetime) -> OrderFacts:
    """The scenario's order as the engine's desk tests write it (lines numbered from 1)."""
    shipments = tuple(
        ShipmentFacts(
            s.carrier,
            s.tracking_number,
            _ago(start, s.shipped_days_ago),
            _ago(start, s.delivered_days_ago),
        )
        for s in order.shipments
    )
    dates = [{"shipped_at": s.shipped_at, "delivered_at": s.delivered_at} for s in shipments]
    return OrderFacts(
        number=order.number,
        placed_at=start - timedelta(days=order.placed_days_ago),
        currency=order.currency,
        total=sum((_money(i.value) for i in order.items), Decimal("0")),
        country=order.country,
        status=order_status({"status": order.status, "shipments": dates}),
        payment_methods=tuple(order.payment_methods),
        shipping_address=order.shipping_address,
        items=tuple(
            ItemFacts(
                n + 1,
                i.name,
                scenario_sku(i, n),
                i.variant,
                _money(i.value),
                None if i.comp_value is None else _money(i.comp_value),
            )
            for n, i in enumerate(order.items)
        ),
        shipments=shipments,
    )


def scenario_facts(
    scenario: Scenario,
    limits: Mapping[str, Any],
    desk_name: str,
    calendar: BusinessCalendar,
    chosen: Sequence[str] | None = None,
    desk: Desk | None = None,
) -> dict[str, Any]:
    """What the simulated case looks like to conditions and templates: the same fact sheet as
    the live desk's (domain/fact_sheet.build_facts), the case's item named by its message, or
    `chosen` (item names) once an `items` event said which lines the case is about."""
    case = scenario.case
    start = Timeline(scenario.start, calendar).start
    order = scenario_order(case.order, start) if case.order is not None else None
    lines = [ItemName(i.id, i.name, i.sku, i.variant or "") for i in order.items] if order else []
    if chosen is not None:
        named: Sequence[int] = [i.id for i in lines if i.name in chosen]
    else:
        named = named_items(f"{case.subject}\n{case.body}", lines) if len(lines) > 1 else ()
    offenses: Mapping[str, int] = {}
    limits_facts: Mapping[str, Any] = {}
    if desk is not None:
        offenses, limits_facts = world_counts(scenario, desk, start)
    inputs = FactInputs(
        case=CaseFacts(
            number=1,
            subject=case.subject,
            status="new",
            priority=case.priority,
            level=1,
            category=case.category,
            channel=case.channel,
            language=case.language,
            created_at=start,
            signals=tuple(case.signals),
        ),
        customer=CustomerFacts(
            name=case.customer.name,
            email=case.customer.email,
            phone=case.customer.phone,
            offenses=offenses,
        ),
        desk_name=desk_name,
        limits=limits,
        now=start,
        tz=calendar.tz,
        order=order,
        chosen_items=named,
        earlier=[
            EarlierCase(e.category, True, start - timedelta(days=e.days_ago))
            for e in earlier_cases(scenario)
        ],
        partner=Party(case.partner.name, case.partner.email) if case.partner else None,
        case_limits=limits_facts,
        fulfilment=desk.fulfilment_terms() if desk is not None else None,
    )
    return build_facts(inputs)


def earlier_cases(scenario: Scenario) -> list[ScenarioEarlier]:
    return [
        e if isinstance(e, ScenarioEarlier) else ScenarioEarlier(category=e)
        for e in scenario.earlier_cases
    ]


def _linked(scenario: Scenario, earlier: ScenarioEarlier) -> bool:
    """Whether an earlier case is the customer's (their e-mail, or an account linked to them
    by the same phone, as the desk tests' world links them)."""
    customer = scenario.case.customer
    if not earlier.email or earlier.email == (customer.email or earlier.email):
        return True
    return bool(earlier.phone) and earlier.phone == customer.phone


def world_counts(
    scenario: Scenario, desk: Desk, start: datetime
) -> tuple[dict[str, int], dict[str, Any]]:
    """The offenses by kind and the case limits' facts, counted from the scenario's earlier
    cases (each `days_ago` before the start; the case itself is number len(earlier) + 1)."""
    past = earlier_cases(scenario)
    across = desk.count_offenses_across_linked_accounts
    events = []
    for n, e in enumerate(past, 1):
        category = desk.categories.get(e.category)
        mine = _linked(scenario, e) and (across or not e.email)
        if category is not None and category.offense and mine:
            at = start - timedelta(days=e.days_ago)
            events.append(OffenseEvent(category.offense, at, 1, n))
    own = desk.categories.get(scenario.case.category or "")
    if own is not None and own.offense:
        events.append(OffenseEvent(own.offense, start, 1, None))
    windows = {k: nominal(o.window) for k, o in desk.offense_kinds.items()}
    offenses = count_offenses(
        events, customer_ids=[1], now=start, window=timedelta(days=365), windows_by_kind=windows
    )
    cases = [
        PastCase(
            n,
            e.category,
            start - timedelta(days=e.days_ago),
            e.same_order,
            (e.resolution,) if e.resolution else (),
        )
        for n, e in enumerate(past, 1)
        if _linked(scenario, e)
    ]
    counted = {s: counted_cases(limit, cases, start) for s, limit in desk.case_limits.items()}
    return {k: c.count for k, c in offenses.items()}, limit_facts(desk.case_limits, counted)
