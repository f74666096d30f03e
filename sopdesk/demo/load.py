"""Realistic demo data: agents, partner shops, customers with linked accounts, orders, cases.

Built only through the engine's check_*/do_* functions; loading it twice adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import select

from sopdesk.demo.accounts import (
    DEMO_PASSWORD,
    Credential,
    load_agents,
    load_partner_users,
)
from sopdesk.demo.bot_chats import load_bot_chats
from sopdesk.demo.shop_tasks import load_shop_tasks
from sopdesk.demo.texts import (
    CARRIERS,
    FIRST_NAMES,
    LAST_NAMES,
    PARTNERS,
    PRODUCTS,
    STREETS,
    contact_for,
)
from sopdesk.domain.cases import ActorKind, CaseStatus, Channel, Priority
from sopdesk.domain.clock import Clock, ManualClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import principal_of
from sopdesk.engine.cases import (
    AddMessage,
    ChangeCase,
    CreateCase,
    check_add_message,
    check_change_case,
    check_create_case,
    do_add_message,
    do_change_case,
    do_create_case,
)
from sopdesk.engine.csv_rows import Parsed
from sopdesk.engine.imports import CustomerRow, check_import_customers, do_import_customers
from sopdesk.engine.orders import (
    ItemIn,
    OrderIn,
    ShipmentIn,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
)
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, Case, Customer, CustomerIdentity, CustomerLink, Partner

DEMO_DOMAIN = "example.com"
SEED = 2026
__all__ = ["DEMO_PASSWORD", "DemoResult", "load_demo"]


@dataclass
class DemoResult:
    agents: int = 0
    partners: int = 0
    customers: int = 0
    links: int = 0
    orders: int = 0
    cases: int = 0
    shop_tasks: int = 0  # missing-item cases waiting on a shop (demo/shop_tasks.py)
    chats: int = 0  # support-bot conversations (demo/bot_chats.py)
    credentials: list[Credential] = field(default_factory=list)


def load_demo(
    db: Database, clock: Clock, desk: Desk, *, customers: int = 300, cases: int = 300
) -> DemoResult:
    """Loads the demo data set; each part is skipped where it is already there."""
    rng = random.Random(SEED)
    now = clock.now()
    result = DemoResult()
    system = Principal.system()
    result.agents = load_agents(db, clock, desk, result.credentials)
    result.partners = _partners(db, now)
    load_partner_users(db, clock, result.credentials)
    people = _customers(rng, customers)
    parsed: Parsed[CustomerRow] = Parsed(rows=len(people), records=[([i], p) for i, p in people])
    before = _count_customers(db, [p.email for _, p in people])
    # Every demo phone is written with "+": no desk region is needed to read them.
    do_import_customers(db, now, check_import_customers(db, system, parsed, False), None)
    result.customers = len(people) - before
    result.links = _link_shared_identities(db, now, [p.email for _, p in people])
    orders = _orders(rng, [p for _, p in people], now)
    result.orders = _upsert_orders(db, now, system, orders)
    if not _demo_cases_exist(db, [p.email for _, p in people]):
        result.cases = _cases(db, rng, desk, now, [p for _, p in people], orders, cases)
        result.shop_tasks = load_shop_tasks(db, random.Random(SEED + 1), desk, now, orders)
    result.chats = load_bot_chats(db, clock, desk)
    return result


def _partners(db: Database, now: datetime) -> int:
    # Partners have no service of their own yet (the partner portal brings one); the demo
    # writes them in one transaction, by slug, so a second run finds them.
    with db.transaction() as session:
        known = set(session.scalars(select(Partner.slug)))
        fresh = [p for p in PARTNERS if p[0] not in known]
        for slug, name, email, _country in fresh:
            session.add(Partner(slug=slug, name=name, email=email, created_at=now))
    return len(fresh)


def _customers(rng: random.Random, count: int) -> list[tuple[int, CustomerRow]]:
    people: list[tuple[int, CustomerRow]] = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # +1 201 exchanges are valid numbers, so the phones read in E.164 like real ones do.
        phone = f"+1 (201) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        address = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
        if index % 15 == 7 and people:
            # A second account of an earlier customer: same phone, new e-mail (seed 002 asks
            # agents to look for other accounts before judging a claim).
            phone = people[-3 if len(people) > 2 else -1][1].phone or phone
        if index % 15 == 11 and people:
            address = people[-5 if len(people) > 4 else -1][1].address or address
        email = f"{first}.{last}.{index}@{DEMO_DOMAIN}".lower()
        people.append(
            (
                index + 2,
                CustomerRow(
                    email=email,
                    name=f"{first} {last}",
                    phone=phone,
                    address=address,
                    tier=rng.choice(["standard"] * 8 + ["vip", "wholesale"]),
                    external_ref=f"demo-cus-{index:04d}",
                ),
            )
        )
    return people


def _count_customers(db: Database, emails: list[str]) -> int:
    with db.transaction(write=False) as session:
        return len(list(session.scalars(select(Customer.id).where(Customer.email.in_(emails)))))


def _link_shared_identities(db: Database, now: datetime, emails: list[str]) -> int:
    """Links demo customers that share a phone number or an address, saying which."""
    created = 0
    with db.transaction() as session:
        rows = session.execute(
            select(CustomerIdentity.customer_id, CustomerIdentity.kind, CustomerIdentity.value,
                   CustomerIdentity.normalized)
            .join(Customer, Customer.id == CustomerIdentity.customer_id)
            .where(Customer.email.in_(emails), CustomerIdentity.kind.in_(["phone", "address"]))
            .order_by(CustomerIdentity.customer_id)
        ).all()  # fmt: skip
        owners: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for customer_id, kind, value, normalized in rows:
            owners.setdefault((kind, normalized), []).append((customer_id, value))
        existing = set(session.execute(select(CustomerLink.customer_id, CustomerLink.linked_id)))
        for (kind, _), found in owners.items():
            for (first, value), (other, _) in pairwise(found):
                if (first, other) in existing or (other, first) in existing:
                    continue
                existing.add((first, other))
                session.add(
                    CustomerLink(
                        customer_id=first,
                        linked_id=other,
                        reason=f"same {kind}: {value}",
                        created_at=now,
                    )
                )
                created += 1
    return created


def _orders(rng: random.Random, people: list[CustomerRow], now: datetime) -> list[OrderIn]:
    orders = []
    for index in range(len(people) * 5 // 6):
        person = people[rng.randrange(len(people))]
        slug = rng.choice(PARTNERS)[0]
        destination = rng.choice(["US"] * 7 + ["CA", "GB", "DE", "AU", "JP"])
        placed = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 1439))
        picks = rng.sample(PRODUCTS, k=rng.randint(1, 3))
        items = [
            ItemIn(sku=sku, name=name, value=Decimal(value), quantity=rng.choice([1, 1, 1, 2]))
            for sku, name, value in picks
        ]
        shipments = []
        if rng.random() < 0.85:
            carrier = rng.choice(CARRIERS["US" if destination == "US" else "INTL"])
            shipped = placed + timedelta(days=rng.randint(1, 4))
            transit = rng.randint(2, 6) if destination == "US" else rng.randint(6, 18)
            delivered = shipped + timedelta(days=transit)
            shipments.append(
                ShipmentIn(
                    carrier=carrier,
                    tracking_number=f"{carrier[:2].upper()}{rng.randint(10**11, 10**12 - 1)}",
                    shipped_at=shipped,
                    delivered_at=delivered if delivered < now else None,
                    destination_country=destination,
                )
            )
        orders.append(
            OrderIn(
                external_ref=f"DEMO-{10000 + index}",
                customer_email=person.email,
                customer_name=person.name,
                partner=slug,
                placed_at=placed,
                destination_country=destination,
                currency="USD",
                items=items,
                shipments=shipments,
            )
        )
    return orders


def _upsert_orders(db: Database, now: datetime, system: Principal, orders: list[OrderIn]) -> int:
    command = UpsertOrders(orders=orders)
    return do_upsert_orders(db, now, command, check_upsert_orders(db, system, command))["created"]


def _demo_cases_exist(db: Database, emails: list[str]) -> bool:
    with db.transaction(write=False) as session:
        query = select(Case.id).join(Customer, Customer.id == Case.customer_id)
        return session.scalar(query.where(Customer.email.in_(emails)).limit(1)) is not None


def _staff(db: Database) -> list[Principal]:
    with db.transaction(write=False) as session:
        agents = session.scalars(
            select(Agent).where(Agent.email.like("%@sopdesk.local")).order_by(Agent.id)
        )
        return [principal_of(a) for a in agents]


# What happened to a demo case by now: (weight, fate). A support day: most open cases are
# well inside their 24-hour first response, a few are close to it, a few are past it.
FATES = [(30, "solved"), (14, "waiting"), (40, "fresh"), (9, "at_risk"), (7, "breached")]
AGE_HOURS = {
    "solved": (24.0, 24.0 * 30),
    "waiting": (6.0, 24.0 * 8),
    "fresh": (0.2, 18.0),
    "at_risk": (20.3, 23.7),  # the standard first response is due 24 h after opening
    "breached": (25.0, 72.0),
}
COLUMNS = {"solved": "done", "waiting": "waiting-for-response", "at_risk": "in-progress"}


def _fate(rng: random.Random) -> str:
    return rng.choices([f for _, f in FATES], weights=[w for w, _ in FATES])[0]


def _cases(
    db: Database,
    rng: random.Random,
    desk: Desk,
    now: datetime,
    people: list[CustomerRow],
    orders: list[OrderIn],
    count: int,
) -> int:
    categories: list[Any] = list(desk.categories.values())
    by_customer: dict[str, list[OrderIn]] = {}
    for placed in orders:
        by_customer.setdefault(str(placed.customer_email), []).append(placed)
    staff = _staff(db)
    system = Principal.system()
    columns = {c.slug for c in desk.columns}
    for index in range(count):
        category = categories[index % len(categories)] if categories else None
        person = people[rng.randrange(len(people))]
        mine = by_customer.get(person.email)
        order = rng.choice(mine) if mine else None
        item = order.items[0].name if order else "my order"
        subject, body = contact_for(rng, category, item, order.external_ref if order else None)
        command = CreateCase(
            customer_email=person.email,
            customer_name=person.name,
            subject=subject,
            body=f"{body}\n\n{person.name.split()[0]}",
            channel=rng.choice([Channel.EMAIL] * 5 + [Channel.WEB, Channel.CHAT, Channel.PHONE]),
            order_ref=order.external_ref if order else None,
            category=category.slug if category is not None and rng.random() < 0.85 else None,
            priority=rng.choice([Priority.NORMAL] * 6 + [Priority.LOW, Priority.HIGH]),
            tags=["demo"],
        )
        fate = _fate(rng)
        low, high = AGE_HOURS[fate]
        clock = ManualClock(now - timedelta(hours=rng.uniform(low, high)))
        plan = check_create_case(db, system, desk, command)
        case = do_create_case(db, clock, desk, system, command, plan)
        column = COLUMNS.get(fate) or rng.choice(["inbox", "inbox", "in-progress"])
        _work_the_case(db, rng, desk, clock, staff, case.id, case.level, fate, column, columns, now)
    return count


def _work_the_case(
    db: Database,
    rng: random.Random,
    desk: Desk,
    clock: ManualClock,
    staff: list[Principal],
    case_id: int,
    level: int,
    fate: str,
    column: str,
    columns: set[str],
    now: datetime,
) -> None:
    """Works the case to its fate, by an agent of the case's level: solved and waiting cases
    got a reply; open ones a note at most, so their first-response clock still runs."""
    able = [p for p in staff if p.kind is ActorKind.AGENT and p.sees_level(level)]
    if not able:
        return
    agent = rng.choice(able)
    replied = fate in ("solved", "waiting")
    latest = max(timedelta(minutes=1), (now - clock.now()) / 2)
    clock.advance(min(timedelta(minutes=rng.randint(5, 240)), latest))
    steps: list[AddMessage] = []
    if rng.random() < 0.5:
        steps.append(AddMessage(kind="note", body="Checked for other accounts: nothing found."))
    if replied:
        steps.append(
            AddMessage(kind="reply", body="Thanks for reaching out! We're looking into this now.")
        )
    for message in steps:
        check_add_message(db, agent, case_id, message)
        do_add_message(db, clock, agent, case_id, message, desk=desk)
    fields: dict[str, Any] = {"assignee_id": agent.id}
    if fate in ("fresh", "breached") and rng.random() < 0.4:
        fields = {}  # nobody has picked it up yet
    status = {"solved": CaseStatus.SOLVED, "waiting": CaseStatus.WAITING_CUSTOMER}.get(fate)
    if status is not None:
        fields["status"] = status
    if column in columns:
        fields["board_column"] = column
    if not fields:
        return
    change = ChangeCase(**fields)
    clock.advance(min(timedelta(minutes=rng.randint(1, 60)), latest))
    changes = check_change_case(db, agent, desk, case_id, change)
    do_change_case(db, clock, agent, case_id, changes, None, desk=desk)
