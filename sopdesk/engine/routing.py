"""Routing a case in the store: identities, account links, offense history, matrix, assignment.

Runs inside the caller's transaction; the decision itself is sopdesk.domain.routing.route_case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import MAX_LEVEL, CaseStatus, EventKind, IdentityKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.base import nominal
from sopdesk.domain.fulfilment import FulfilmentDecision, ShipmentFacts, assess_fulfilment
from sopdesk.domain.identity import (
    Identities,
    KnownAccount,
    link_accounts,
    normalise_email,
    normalise_phone,
)
from sopdesk.domain.offenses import OffenseCount, OffenseEvent, count_offenses
from sopdesk.domain.principal import Principal
from sopdesk.domain.routing import RoutingDecision, RoutingFacts, route_case
from sopdesk.engine.customers import linked_ids, require_staff
from sopdesk.engine.timeline import append_event
from sopdesk.errors import Forbidden, InvalidInput, NotFound, SopdeskError
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, Case, Customer, CustomerIdentity, CustomerLink, Order

OPEN_STATUSES = [s.value for s in CaseStatus if s.is_open]


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's linked accounts and offense counts, as shown on a case."""

    customer_id: int
    linked_customer_ids: list[int]
    offenses: dict[str, OffenseCount]


def check_signals(desk: object, signals: Iterable[str]) -> None:
    known = desk.signals if isinstance(desk, Desk) else {}
    unknown = sorted(set(signals) - set(known))
    if unknown:
        raise InvalidInput(
            f"unknown signals {unknown}; taxonomy.yaml lists {sorted(known)}",
            errors=[{"loc": ["body", "signals"], "msg": f"unknown signal '{unknown[0]}'"}],
        )


def _normalised(kind: IdentityKind, value: str) -> str | None:
    try:
        return normalise_email(value) if kind is IdentityKind.EMAIL else normalise_phone(value)
    except SopdeskError:
        return None


_IDENTITIES_OF = select(CustomerIdentity.kind, CustomerIdentity.normalized).where(
    CustomerIdentity.customer_id == bindparam("customer_id")
)


def save_identities(session: Session, customer: Customer, now: datetime) -> dict[str, str]:
    """Stores the customer's e-mail and phone in normal form; returns {kind: normalised}."""
    wanted: dict[str, tuple[str, str]] = {}
    for kind, raw in ((IdentityKind.EMAIL, customer.email), (IdentityKind.PHONE, customer.phone)):
        if raw:
            normal = _normalised(kind, raw)
            if normal is not None:
                wanted[kind.value] = (raw, normal)
    have = {tuple(r) for r in session.execute(_IDENTITIES_OF, {"customer_id": customer.id})}
    for kind_value, (raw, normal) in wanted.items():
        if (kind_value, normal) not in have:
            session.add(
                CustomerIdentity(
                    customer_id=customer.id,
                    kind=kind_value,
                    value=raw,
                    normalized=normal,
                    created_at=now,
                )
            )
    return {k: n for k, (_, n) in wanted.items()}


def link_customer(session: Session, customer: Customer, now: datetime) -> list[int]:
    """Links the accounts sharing a normalised identity (every link says why); returns the
    customer's linked accounts, old links included."""
    normal = save_identities(session, customer, now)
    if normal:
        matches = [
            and_(CustomerIdentity.kind == k, CustomerIdentity.normalized == n)
            for k, n in normal.items()
        ]
        rows = session.execute(
            select(CustomerIdentity.customer_id, CustomerIdentity.kind, CustomerIdentity.value)
            .where(or_(*matches), CustomerIdentity.customer_id != customer.id)
            .limit(200)
        ).all()
        known: dict[int, dict[str, list[str]]] = {}
        for other, kind, value in rows:
            known.setdefault(other, {}).setdefault(kind, []).append(value)
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
        existing = set(linked_ids(session, customer.id))
        added = set()
        for link in link_accounts(mine, candidates):
            if link.customer_id not in existing:
                session.add(
                    CustomerLink(
                        customer_id=customer.id,
                        linked_id=link.customer_id,
                        reason="; ".join(link.reasons)[:500],
                        created_at=now,
                    )
                )
                added.add(link.customer_id)
        if added:
            session.flush()
        # The links read above plus those just added are all there are: no second read.
        return sorted(existing | added)
    return linked_ids(session, customer.id)


# Built once: building the statement per case cost more than running it.
_OFFENSES = select(Case.offense, Case.created_at, Case.customer_id).where(
    Case.customer_id.in_(bindparam("customer_ids", expanding=True)),
    Case.offense.is_not(None),
    Case.created_at >= bindparam("since"),
    Case.status != CaseStatus.SPAM.value,
)


def offense_history(
    session: Session, desk: Desk, customer_ids: list[int], now: datetime
) -> dict[str, OffenseCount]:
    """Offenses (cases created in a category with an offense kind) in each kind's window."""
    windows = {k: nominal(o.window) for k, o in desk.offense_kinds.items()}
    if not customer_ids:
        return {}
    since = now - max(windows.values(), default=timedelta(days=365))
    rows = session.execute(_OFFENSES, {"customer_ids": customer_ids, "since": since}).all()
    events = [OffenseEvent(kind, at, cid) for kind, at, cid in rows if kind]
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
    if desk.fulfilment is None:
        return None, value
    decision = assess_fulfilment(
        placed_at=order.placed_at,
        destination_country=order.destination_country,
        shipments=[
            ShipmentFacts(s.shipped_at, s.delivered_at, s.destination_country)
            for s in order.shipments
        ],
        now=now,
        calendar=desk.business_calendar(desk.fulfilment.calendar),
        promise=desk.fulfilment.promise(),
    )
    return decision, value


def decide_routing(
    session: Session, desk: Desk, case: Case, signals: Iterable[str], now: datetime
) -> tuple[RoutingDecision, CustomerHistory]:
    """Links the customer's accounts, counts offenses and applies the matrix (writes links)."""
    customer = session.get(Customer, case.customer_id)
    assert customer is not None  # the case was just inserted for it
    given = desk.categories.get(case.category) if case.category else None
    offense = given.offense if given else None  # counted from now on, this case included
    if case.offense != offense:  # insert_case already set it before the case's INSERT
        case.offense = offense
        session.flush()
    linked = link_customer(session, customer, now)
    accounts = (
        sorted({customer.id, *linked})
        if desk.count_offenses_across_linked_accounts
        else [customer.id]
    )
    offenses = offense_history(session, desk, accounts, now)
    decision_f, value = _fulfilment(session, desk, case.order_id, now)
    fulfil = desk.fulfilment
    facts = RoutingFacts(
        category=case.category,
        offenses=offenses,
        signals=frozenset(signals),
        order_value=value,
        fulfilment=decision_f,
        fulfilment_categories={str(k): v for k, v in fulfil.categories.items()} if fulfil else {},
        fulfilment_inquiries=tuple(fulfil.inquiries) if fulfil else (),
    )
    decision = route_case(facts, desk.categories, desk.escalation_rules)
    return decision, CustomerHistory(customer.id, linked, offenses)


# Each agent's open cases are counted on ix_cases_assignee (assignee_id, status, id), so the cost
# grows with the agents of one level and their open cases, not with every open case of the desk
# (a GROUP BY over all assigned open cases was a sixth of case creation).
_OPEN_LOAD = (
    select(func.count())
    .where(Case.assignee_id == Agent.id, Case.status.in_(OPEN_STATUSES))
    .correlate(Agent)
    .scalar_subquery()
    .label("open_cases")
)
_LEAST_LOADED = (
    select(Agent.id, _OPEN_LOAD)
    .where(Agent.active.is_(True), Agent.level == bindparam("level"))
    .order_by(_OPEN_LOAD, Agent.id)
    .limit(1)
)


def least_loaded_agent(session: Session, level: int) -> tuple[int, int] | None:
    """(agent id, open cases) of the active agent of this level with the fewest open cases."""
    row = session.execute(_LEAST_LOADED, {"level": level}).first()
    return None if row is None else (int(row[0]), int(row[1]))


def route_new_case(
    session: Session,
    desk: object,
    case: Case,
    signals: Iterable[str],
    now: datetime,
    actor: Principal,
    fallback: RoutingDecision,
) -> None:
    """Routes a just-inserted case, assigns it and explains both on the timeline."""
    data: dict[str, object] = {}
    decision = fallback
    if isinstance(desk, Desk):
        decision, history = decide_routing(session, desk, case, signals, now)
        case.level = decision.level
        case.category = decision.category
        data = {
            "rules": list(decision.rules),
            "linked_customer_ids": history.linked_customer_ids,
            "offenses": {k: c.count for k, c in history.offenses.items()},
        }
    reasons = decision.explanation
    agent = least_loaded_agent(session, case.level)
    if agent is not None:
        case.assignee_id = agent[0]
        reasons += (
            f"; assigned to agent {agent[0]} (fewest open cases at level {case.level}: {agent[1]})"
        )
    append_event(
        session,
        case.id,
        EventKind.ROUTING,
        now,
        actor,
        body=reasons,
        data={
            "level": case.level,
            "category": case.category,
            "assignee_id": case.assignee_id,
            **data,
        },
    )


def escalate_case(
    session: Session, case: Case, level: int, reason: str, now: datetime, actor: Principal
) -> None:
    """Moves a case to another level with a reason, reassigning it within that level."""
    if not 1 <= level <= MAX_LEVEL:
        raise InvalidInput(f"level must be 1..{MAX_LEVEL}")
    old = case.level
    case.level = level
    agent = least_loaded_agent(session, level)
    case.assignee_id = agent[0] if agent else None
    case.updated_at = now
    verb = "escalated" if level > old else "de-escalated"
    append_event(
        session,
        case.id,
        EventKind.ROUTING,
        now,
        actor,
        body=f"level {level} because: {verb} from level {old}: {reason}",
        data={"level": level, "from": old, "assignee_id": case.assignee_id, "manual": True},
    )


# --- services: manual escalation and the customer history of a case -------------------------


class Escalate(BaseModel):
    """Move a case to another level (up or down); the reason goes on the timeline."""

    level: int = Field(ge=1, le=MAX_LEVEL)
    reason: str = Field(min_length=1, max_length=1000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def check_escalate_case(
    db: Database, principal: Principal, case_id: int, command: Escalate
) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = _load_visible(session, principal, case_id)
        if case.level == command.level:
            raise InvalidInput(f"case {case_id} is already at level {command.level}")


def do_escalate_case(
    db: Database, clock: Clock, principal: Principal, case_id: int, command: Escalate
) -> int:
    """Returns the case's new assignee id (0 when no active agent of that level exists)."""
    with db.transaction() as session:
        case = _load_visible(session, principal, case_id)
        escalate_case(session, case, command.level, command.reason, clock.now(), principal)
        return case.assignee_id or 0


def _load_visible(session: Session, principal: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    if not principal.sees_level(case.level):
        raise Forbidden(f"case {case_id} is at level {case.level}; your level cannot open it")
    return case


def get_customer_history(
    db: Database, clock: Clock, principal: Principal, desk: Desk, case_id: int
) -> CustomerHistory:
    """The case customer's linked accounts and offense counts now (this case included)."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = _load_visible(session, principal, case_id)
        linked = linked_ids(session, case.customer_id)
        accounts = sorted({case.customer_id, *linked})
        offenses = offense_history(session, desk, accounts, clock.now())
        return CustomerHistory(case.customer_id, linked, offenses)
