"""The starting world of a scenario, written through the engine's own doors: agents, the
partner, the order with its items, the customer's earlier cases, and the case itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sopdesk.domain.cases import ActorKind, Channel, Role
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.scenario import (
    Scenario,
    ScenarioAgent,
    ScenarioCase,
    ScenarioEarlier,
    ScenarioOrder,
    scenario_sku,
)
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import CreateAgent, check_create_agent, do_create_agent
from sopdesk.engine.customers import (
    CreateCustomer,
    check_create_customer,
    do_create_customer,
    phone_region,
)
from sopdesk.engine.new_cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.orders import (
    ItemIn,
    OrderIn,
    ShipmentIn,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
)
from sopdesk.engine.partner_users import CreatePartner, check_create_partner, do_create_partner
from sopdesk.store.db import Database
from sopdesk.store.models import LedgerEntry

# Who acts when an event names nobody: a senior agent, so access never gets in the way of a
# scenario that is not about access. Named approvers and `agents:` are created as named.
DEFAULT_AGENT = ScenarioAgent(
    name="Agent", email="agent@agents.example.com", level=4, roles=["lead"]
)
PARTNER_SLUG = "partner"


@dataclass
class World:
    """What the scenario's events act through."""

    case_id: int
    agents: dict[str, Principal] = field(default_factory=dict)  # by scenario key
    partner: Principal | None = None


def _ago(clock: ManualClock, days: int | None) -> datetime | None:
    return None if days is None else clock.now() - timedelta(days=days)


def _agents(scenario: Scenario, desk: Desk) -> dict[str, ScenarioAgent]:
    agents = {"agent": DEFAULT_AGENT}
    for key, approver in desk.approvers.items():
        agents[key] = ScenarioAgent(
            name=approver.name, email=approver.email, level=4, roles=["agent", "approver"]
        )
    agents.update(scenario.agents)
    return agents


def _create_agents(
    db: Database, clock: ManualClock, agents: dict[str, ScenarioAgent]
) -> dict[str, Principal]:
    system = Principal.system()
    made: dict[str, Principal] = {}
    for key, spec in agents.items():
        command = CreateAgent(
            email=spec.email or f"{key}@agents.example.com",
            name=spec.name,
            level=spec.level,
            roles=[Role(r) for r in spec.roles],
        )
        check_create_agent(db, system, command)
        view = do_create_agent(db, clock, command)
        made[key] = Principal(
            kind=ActorKind.AGENT,
            id=view.id,
            level=command.level,
            roles=frozenset(command.roles),
            name=command.name,
        )
    return made


def _create_earlier(
    db: Database,
    clock: ManualClock,
    desk: Desk,
    case: ScenarioCase,
    email: str,
    index: int,
    earlier: ScenarioEarlier,
    order_ref: str | None,
) -> None:
    """One earlier case, opened `days_ago` before the start (the clock goes back for it), on
    the scenario's order when `same_order`, with its resolution in the ledger when it has one."""
    system = Principal.system()
    start = clock.now()
    clock.set(start - timedelta(days=earlier.days_ago))
    command = CreateCase(
        customer_email=earlier.email or email,
        customer_name=case.customer.name,
        subject=f"Earlier case {index + 1}",
        body="An earlier contact.",
        category=earlier.category,
        order_ref=order_ref,
    )
    plan = check_create_case(db, system, desk, command)
    view = do_create_case(db, clock, desk, system, command, plan)
    if earlier.resolution is not None:
        with db.transaction() as session:
            session.add(
                LedgerEntry(
                    case_id=view.id,
                    kind=earlier.resolution,
                    amount=None,
                    currency=desk.limits.currency,
                    paid_by="desk",
                    description="an earlier case's resolution (scenario world)",
                    at=clock.now(),
                )
            )
    clock.set(start)


def build_world(db: Database, clock: ManualClock, desk: Desk, scenario: Scenario) -> World:
    """Writes the world on an empty database at the scenario's start and opens the case."""
    system = Principal.system()
    case = scenario.case
    agents = _create_agents(db, clock, _agents(scenario, desk))
    partner: Principal | None = None
    if case.partner is not None:
        command = CreatePartner(
            slug=PARTNER_SLUG, name=case.partner.name or "Partner", email=case.partner.email or None
        )
        check_create_partner(db, system, command)
        partner_id = do_create_partner(db, clock.now(), command)
        partner = Principal(kind=ActorKind.PARTNER, id=partner_id, name=command.name)
    world = World(case_id=0, agents=agents, partner=partner)
    world.case_id = open_contact(db, clock, desk, world, case, scenario.earlier_cases)
    return world


def open_contact(
    db: Database,
    clock: ManualClock,
    desk: Desk,
    world: World,
    case: ScenarioCase,
    earlier: Sequence[str | ScenarioEarlier],
) -> int:
    """The customer's accounts, earlier cases and order, then the contact itself, opened by
    the default agent at the clock's instant; returns the new case's id."""
    system = Principal.system()
    email = case.customer.email or "customer@example.com"
    earlier_cases = [
        e if isinstance(e, ScenarioEarlier) else ScenarioEarlier(category=e) for e in earlier
    ]
    accounts = {email: case.customer.phone}
    for e in earlier_cases:
        accounts.setdefault(e.email or email, e.phone)
    for address, phone in accounts.items():
        if phone:
            customer = CreateCustomer(email=address, phone=phone)
            region = phone_region(desk)
            check_create_customer(db, system, customer, region)
            do_create_customer(db, clock.now(), customer, region)
    for index, earlier_case in enumerate(earlier_cases):
        if not earlier_case.same_order:
            _create_earlier(db, clock, desk, case, email, index, earlier_case, None)
    # A partner reaches the case through an order of its shop (as on the live desk).
    order = case.order or (ScenarioOrder() if world.partner is not None else None)
    if order is not None:
        _write_order(db, clock, order, email, case.customer.name, world.partner is not None)
    for index, earlier_case in enumerate(earlier_cases):
        if earlier_case.same_order:
            ref = order.number if order is not None else None
            _create_earlier(db, clock, desk, case, email, index, earlier_case, ref)
    contact = CreateCase(
        customer_email=email,
        customer_name=case.customer.name,
        subject=case.subject,
        body=case.body,
        channel=Channel(case.channel),
        order_ref=order.number if order is not None else None,
        category=case.category,
        priority=case.priority,  # type: ignore[arg-type]
        language=case.language,
        signals=list(case.signals),
    )
    opener = world.agents["agent"]
    plan = check_create_case(db, opener, desk, contact)
    return do_create_case(db, clock, desk, opener, contact, plan).id


def _write_order(
    db: Database, clock: ManualClock, order: ScenarioOrder, email: str, name: str, shop: bool
) -> None:
    upsert = UpsertOrders(
        orders=[
            OrderIn(
                external_ref=order.number,
                customer_email=email,
                customer_name=name,
                partner=PARTNER_SLUG if shop else None,
                placed_at=clock.now() - timedelta(days=order.placed_days_ago),
                destination_country=order.country,
                currency=order.currency,
                status=order.status,
                payment_methods=list(order.payment_methods),
                shipping_address=order.shipping_address,
                items=[
                    ItemIn(
                        sku=scenario_sku(item, n),
                        name=item.name,
                        variant=item.variant,
                        value=Decimal(str(item.value)).quantize(Decimal("0.01")),
                        comp_value=None
                        if item.comp_value is None
                        else Decimal(str(item.comp_value)).quantize(Decimal("0.01")),
                    )
                    for n, item in enumerate(order.items)
                ],
                shipments=[
                    ShipmentIn(
                        carrier=s.carrier,
                        tracking_number=s.tracking_number,
                        shipped_at=_ago(clock, s.shipped_days_ago),
                        delivered_at=_ago(clock, s.delivered_days_ago),
                    )
                    for s in order.shipments
                ],
            )
        ]
    )
    partners = check_upsert_orders(db, Principal.system(), upsert)
    do_upsert_orders(db, clock.now(), upsert, partners)
