"""One rule for level visibility: `visible_cases` is `decide_case_access`'s rule as a filter,
and the queue list, the queue counts, the SLA facts and the reports all narrow by it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from sopdesk.domain.access import CaseAccess, CaseAction, decide_case_access
from sopdesk.domain.cases import ActorKind, Role
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import visible_cases
from sopdesk.engine.queues import CaseFilter, count_cases, list_cases
from sopdesk.store.db import Database
from sopdesk.store.models import Case, Customer

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

PRINCIPALS = {
    "level 1": Principal(ActorKind.AGENT, id=1, level=1),
    "level 3": Principal(ActorKind.AGENT, id=2, level=3),
    "lead at level 1": Principal(ActorKind.AGENT, id=3, level=1, roles=frozenset({Role.LEAD})),
    "admin": Principal(ActorKind.AGENT, id=4, level=2, roles=frozenset({Role.ADMIN})),
    "system": Principal.system(),
    "customer": Principal(ActorKind.CUSTOMER, id=5),
    "partner": Principal(ActorKind.PARTNER, id=6, level=4),
}


def _cases(db: Database) -> dict[int, int]:
    """Two cases at each level 1..4; returns the level of each case id."""
    with db.transaction() as session:
        customer = Customer(email="v@example.com", name="V", created_at=AT)
        session.add(customer)
        session.flush()
        rows = [
            Case(
                customer_id=customer.id,
                subject=f"{level}",
                channel="api",
                level=level,
                created_at=AT,
                updated_at=AT,
            )
            for level in (1, 2, 3, 4, 1, 2, 3, 4)
        ]
        session.add_all(rows)
        session.flush()
        return {c.id: c.level for c in rows}


@pytest.mark.parametrize("who", sorted(PRINCIPALS))
def test_the_filter_lets_through_exactly_the_cases_the_policy_opens(db: Database, who: str) -> None:
    levels = _cases(db)
    principal = PRINCIPALS[who]
    allowed = {
        case_id
        for case_id, level in levels.items()
        if decide_case_access(principal, CaseAccess(case_id, level), CaseAction.SEE).allowed
    }
    with db.transaction(write=False) as session:
        seen = set(session.scalars(visible_cases(select(Case.id), principal)))
        counted = session.scalar(visible_cases(select(func.count()).select_from(Case), principal))
    assert seen == allowed
    assert counted == len(allowed)


def test_the_queue_lists_and_counts_by_the_same_rule(db: Database) -> None:
    _cases(db)
    agent = PRINCIPALS["level 3"]
    listed = list_cases(db, agent, CaseFilter(), limit=100)
    assert sorted(c.level for c in listed.items) == [1, 1, 2, 2, 3, 3]
    counts = count_cases(db, agent, CaseFilter())
    assert sorted((c.level, c.count) for c in counts) == [(1, 2), (2, 2), (3, 2)]
    lead = count_cases(db, PRINCIPALS["lead at level 1"], CaseFilter())
    assert sum(c.count for c in lead) == 8
