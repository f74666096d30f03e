"""Routing a case in the store: identities, account links, offense history, matrix, assignment.

Runs inside the caller's transaction; the decision itself is sopdesk.domain.routing.route_case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnClause

from sopdesk.domain.cases import CaseStatus, IdentityKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.base import nominal
from sopdesk.domain.fulfilment import FulfilmentDecision, ShipmentFacts, assess_fulfilment
from sopdesk.domain.identity import Identities, KnownAccount, identity_form, link_accounts
from sopdesk.domain.offenses import OffenseCount, OffenseEvent, count_offenses
from sopdesk.domain.routing import RoutingDecision, RoutingFacts, offense_groups, route_case
from sopdesk.engine.customers import CustomerFacts, phone_region
from sopdesk.engine.linked_accounts import LinkedAccount, linked_accounts, linked_ids
from sopdesk.errors import InvalidInput, SopdeskError
from sopdesk.store.models import Agent, Case, Customer, CustomerIdentity, CustomerLink, Order

OPEN_STATUSES = [s.value for s in CaseStatus if s.is_open]


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's linked accounts and offense counts, as shown on a case."""

    customer_id: int
    linked_customer_ids: list[int]
    offenses: dict[str, OffenseCount]


def check_signals(desk: Desk, signals: Iterable[str]) -> None:
    known = desk.signals
    unknown = sorted(set(signals) - set(known))
    if unknown:
        raise InvalidInput(
            f"unknown signals {unknown}; taxonomy.yaml lists {sorted(known)}",
            errors=[{"loc": ["body", "signals"], "msg": f"unknown signal '{unknown[0]}'"}],
        )


def _normalised(kind: IdentityKind, value: str, region: str | None) -> str | None:
    try:
        return identity_form(kind, value, region)
    except SopdeskError:
        return None


# The hot statements below are built once over the tables themselves (Core, not ORM entities):
# building and ORM-executing them cost more than running them (bench/ingest.py).
_IDENTITIES = cast(Table, CustomerIdentity.__table__)
_INSERT_IDENTITIES = insert(_IDENTITIES)
_INSERT_LINKS = insert(cast(Table, CustomerLink.__table__))


_LINKS = cast(Table, CustomerLink.__table__)
_LINK = "link"  # the kind of the rows that are the customer's existing links, either way round


def _identity_graph(kinds: tuple[str, ...]) -> CompoundSelect[Any]:
    """In one round trip, as (customer id, kind, value) rows: the customer's own identities of
    these kinds and normal forms (bound by kind name), up to 200 other customers' identities
    with the same normal forms, and the accounts already linked to the customer (kind "link")."""
    columns = (_IDENTITIES.c.customer_id, _IDENTITIES.c.kind, _IDENTITIES.c.value)
    same = or_(
        *(and_(_IDENTITIES.c.kind == k, _IDENTITIES.c.normalized == bindparam(k)) for k in kinds)
    )
    me: BindParameter[int] = bindparam("customer_id")
    mine = select(*columns).where(_IDENTITIES.c.customer_id == me, same)
    others = select(*columns).where(_IDENTITIES.c.customer_id != me, same).limit(200).subquery()
    link: ColumnClause[str] = literal_column(f"'{_LINK}'")
    return union_all(
        mine,
        select(*others.c),
        select(_LINKS.c.linked_id, link, null()).where(_LINKS.c.customer_id == me),
        select(_LINKS.c.customer_id, link, null()).where(_LINKS.c.linked_id == me),
    )


_GRAPHS: dict[tuple[str, ...], CompoundSelect[Any]] = {
    kinds: _identity_graph(kinds) for kinds in (("email",), ("phone",), ("email", "phone"))
}


def link_customer(
    session: Session, customer: CustomerFacts, now: datetime, region: str | None
) -> list[int]:
    """Stores the customer's e-mail and phone in normal form (phones without "+" read in
    `region`) and links the accounts sharing a normalised identity (every link says why);
    returns the accounts linked to the customer directly, old links included."""
    wanted: dict[str, tuple[str, str]] = {}  # kind: (as given, normalised)
    for kind, raw in ((IdentityKind.EMAIL, customer.email), (IdentityKind.PHONE, customer.phone)):
        if raw:
            normal = _normalised(kind, raw, region)
            if normal is not None:
                wanted[kind.value] = (raw, normal)
    if not wanted:
        return linked_ids(session, customer.id)
    params: dict[str, object] = {k: n for k, (_, n) in wanted.items()}
    params["customer_id"] = customer.id
    have: set[str] = set()
    known: dict[int, dict[str, list[str]]] = {}
    existing: set[int] = set()
    for other, kind, value in session.execute(_GRAPHS[tuple(wanted)], params):
        if kind == _LINK:
            existing.add(other)
        elif other == customer.id:
            have.add(kind)
        else:
            known.setdefault(other, {}).setdefault(kind, []).append(value)
    missing = [
        {
            "customer_id": customer.id,
            "kind": kind,
            "value": raw,
            "normalized": normal,
            "created_at": now,
        }
        for kind, (raw, normal) in wanted.items()
        if kind not in have
    ]
    if missing:
        session.execute(_INSERT_IDENTITIES, missing)
    candidates = [
        KnownAccount(
            other,
            Identities(emails=tuple(v.get("email", [])), phones=tuple(v.get("phone", []))),
        )
        for other, v in known.items()
    ]
    mine = Identities(
        emails=(customer.email,) if customer.email else (),
        phones=(customer.phone,) if customer.phone else (),
    )
    added = [
        link
        for link in link_accounts(mine, candidates, default_region=region)
        if link.customer_id not in existing
    ]
    if added:
        session.execute(
            _INSERT_LINKS,
            [
                {
                    "customer_id": customer.id,
                    "linked_id": link.customer_id,
                    "reason": "; ".join(link.reasons)[:500],
                    "created_at": now,
                }
                for link in added
            ],
        )
    # The links read above plus those just added are all there are: no second read.
    return sorted(existing | {link.customer_id for link in added})


# Built once: building the statement per case cost more than running it.
_CASES = cast(Table, Case.__table__)
_OFFENSE_COLUMNS = (_CASES.c.offense, _CASES.c.created_at, _CASES.c.customer_id, _CASES.c.id)
_OFFENSES = select(*_OFFENSE_COLUMNS).where(
    _CASES.c.customer_id.in_(bindparam("customer_ids", expanding=True)),
    _CASES.c.offense.is_not(None),
    _CASES.c.created_at >= bindparam("since"),
    _CASES.c.status != CaseStatus.SPAM.value,
)
# Most customers have no linked account: a plain equality skips expanding the IN list.
_OFFENSES_OF_ONE = select(*_OFFENSE_COLUMNS).where(
    _CASES.c.customer_id == bindparam("customer_id"),
    _CASES.c.offense.is_not(None),
    _CASES.c.created_at >= bindparam("since"),
    _CASES.c.status != CaseStatus.SPAM.value,
)


def offense_history(
    session: Session,
    desk: Desk,
    customer_ids: list[int],
    now: datetime,
    unsaved: OffenseEvent | None = None,
) -> dict[str, OffenseCount]:
    """Offenses (cases created in a category with an offense kind) in each kind's window;
    `unsaved` is the offense of a case being created whose row is not written yet."""
    windows = {k: nominal(o.window) for k, o in desk.offense_kinds.items()}
    if not customer_ids:
        return {}
    since = now - max(windows.values(), default=timedelta(days=365))
    if len(customer_ids) == 1:
        query = _OFFENSES_OF_ONE, {"customer_id": customer_ids[0], "since": since}
    else:
        query = _OFFENSES, {"customer_ids": customer_ids, "since": since}
    rows = session.execute(*query).all()
    events = [OffenseEvent(kind, at, cid, case_id) for kind, at, cid, case_id in rows if kind]
    if unsaved is not None:
        events.append(unsaved)
    return count_offenses(
        events,
        customer_ids=customer_ids,
        now=now,
        window=timedelta(days=365),
        windows_by_kind=windows,
    )


def _fulfilment(
    session: Session, desk: Desk, order_id: int | None, now: datetime
) -> tuple[FulfilmentDecision | None, float | None]:
    if order_id is None:
        return None, None
    order = session.get(Order, order_id)
    if order is None:
        return None, None
    value = float(order.total)
    terms = desk.fulfilment_terms()
    if terms is None:
        return None, value
    promise, calendar = terms
    decision = assess_fulfilment(
        placed_at=order.placed_at,
        destination_country=order.destination_country,
        shipments=[
            ShipmentFacts(s.shipped_at, s.delivered_at, s.destination_country)
            for s in order.shipments
        ],
        now=now,
        calendar=calendar,
        promise=promise,
    )
    return decision, value


_CUSTOMERS = cast(Table, Customer.__table__)
_CUSTOMER_FACTS = select(
    _CUSTOMERS.c.id, _CUSTOMERS.c.email, _CUSTOMERS.c.phone, _CUSTOMERS.c.tier
).where(_CUSTOMERS.c.id == bindparam("customer_id"))


def decide_routing(
    session: Session, desk: Desk, case: Case, signals: Iterable[str], now: datetime
) -> tuple[RoutingDecision, CustomerHistory]:
    """Links the customer's accounts, counts offenses and applies the matrix (writes links),
    for a case already in the store."""
    row = session.execute(_CUSTOMER_FACTS, {"customer_id": case.customer_id}).one()
    given = desk.categories.get(case.category) if case.category else None
    offense = given.offense if given else None  # counted from now on, this case included
    if case.offense != offense:
        case.offense = offense
        session.flush()
    customer = CustomerFacts(int(row[0]), row[1], row[2], row[3])
    return route_facts(session, desk, customer, case.category, case.order_id, signals, now)


def route_facts(
    session: Session,
    desk: Desk,
    customer: CustomerFacts,
    category: str | None,
    order_id: int | None,
    signals: Iterable[str],
    now: datetime,
    unsaved: OffenseEvent | None = None,
) -> tuple[RoutingDecision, CustomerHistory]:
    """The routing decision for a case of `customer` in `category` (writes links); `unsaved`
    is the case's own offense when its row is not written yet (see `offense_history`)."""
    direct = link_customer(session, customer, now, phone_region(desk))
    # Only a customer with links has a chain to walk: most have none, and skip the walk.
    chain: list[LinkedAccount] = linked_accounts(session, customer.id) if direct else []
    linked = sorted(a.customer_id for a in chain)
    across = desk.count_offenses_across_linked_accounts
    accounts = sorted({customer.id, *linked}) if across else [customer.id]
    offenses = offense_history(session, desk, accounts, now, unsaved)
    decision_f, value = _fulfilment(session, desk, order_id, now)
    fulfil = desk.fulfilment
    facts = RoutingFacts(
        category=category,
        offenses=offenses,
        signals=frozenset(signals),
        order_value=value,
        fulfilment=decision_f,
        fulfilment_categories={str(k): v for k, v in fulfil.categories.items()} if fulfil else {},
        fulfilment_inquiries=tuple(fulfil.inquiries) if fulfil else (),
        offense_groups=offense_groups(desk.offense_kinds),
        links={a.customer_id: a.explanation(customer.id) for a in chain} if across else {},
    )
    decision = route_case(facts, desk.categories, desk.escalation_rules)
    return decision, CustomerHistory(customer.id, linked, offenses)


# Each agent's open cases are counted on ix_cases_assignee (assignee_id, status, id), so the cost
# grows with the agents of one level and their open cases, not with every open case of the desk
# (a GROUP BY over all assigned open cases was a sixth of case creation).
_AGENTS = cast(Table, Agent.__table__)
_OPEN_LOAD = (
    select(func.count())
    .where(_CASES.c.assignee_id == _AGENTS.c.id, _CASES.c.status.in_(OPEN_STATUSES))
    .correlate(_AGENTS)
    .scalar_subquery()
    .label("open_cases")
)
_LEAST_LOADED = (
    select(_AGENTS.c.id, _OPEN_LOAD)
    .where(_AGENTS.c.active.is_(True), _AGENTS.c.level == bindparam("level"))
    .order_by(_OPEN_LOAD, _AGENTS.c.id)
    .limit(1)
)


def least_loaded_agent(session: Session, level: int) -> tuple[int, int] | None:
    """(agent id, open cases) of the active agent of this level with the fewest open cases."""
    row = session.execute(_LEAST_LOADED, {"level": level}).first()
    return None if row is None else (int(row[0]), int(row[1]))


@dataclass(frozen=True)
class Routed:
    """Where a new case goes: its level, category and assignee, and the routing event's text."""

    level: int
    category: str | None
    assignee_id: int | None
    explanation: str
    data: dict[str, object]


def route_new_case(
    session: Session,
    desk: Desk,
    customer: CustomerFacts,
    category: str | None,
    order_id: int | None,
    signals: Iterable[str],
    now: datetime,
    offense: str | None = None,
) -> Routed:
    """Routes a case about to be inserted (its `offense` counted as if it were) and picks its
    assignee; the caller writes the case and the routing event from the answer."""
    unsaved = OffenseEvent(offense, now, customer.id) if offense else None
    decision, history = route_facts(
        session, desk, customer, category, order_id, signals, now, unsaved
    )
    category = decision.category
    data: dict[str, object] = {
        "rules": list(decision.rules),
        "linked_customer_ids": history.linked_customer_ids,
        "offenses": {k: c.count for k, c in history.offenses.items()},
        "counted_case_ids": list(decision.counted_cases),
    }
    level = decision.level
    reasons = decision.explanation
    agent = least_loaded_agent(session, level)
    assignee_id = agent[0] if agent is not None else None
    if agent is not None:
        reasons += (
            f"; assigned to agent {agent[0]} (fewest open cases at level {level}: {agent[1]})"
        )
    return Routed(
        level,
        category,
        assignee_id,
        reasons,
        {"level": level, "category": category, "assignee_id": assignee_id, **data},
    )
