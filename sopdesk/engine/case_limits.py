"""Counting the desk's case limits (taxonomy.yaml `case_limits`) for a case, in SQL.

Each limit is one query over the cases of the order (or of the customer's linked accounts),
filtered by category, resolution kind and age in the database: no case is loaded to count.
The pure rules and the fact shape are in sopdesk/domain/case_limits.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sopdesk.domain.case_limits import limit_facts, since
from sopdesk.domain.cases import CaseStatus
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.case_limits import CaseLimit
from sopdesk.store.models import Case, LedgerEntry

MAX_COUNTED = 100  # counted case numbers a fact names (the count is capped there too)


def _counted(
    session: Session, limit: CaseLimit, case: Case, accounts: list[int], now: datetime
) -> list[int]:
    if limit.per == "order":
        if case.order_id is None:
            return []
        whose = Case.order_id == case.order_id
    else:
        whose = Case.customer_id.in_(accounts)
    query = select(Case.id).where(
        whose, Case.id != case.id, Case.status != CaseStatus.SPAM.value, Case.created_at <= now
    )
    if limit.categories:
        query = query.where(Case.category.in_(limit.categories))
    if limit.resolutions:
        query = query.where(
            exists().where(LedgerEntry.case_id == Case.id, LedgerEntry.kind.in_(limit.resolutions))
        )
    start = since(limit, now)
    if start is not None:
        query = query.where(Case.created_at >= start)
    return list(session.scalars(query.order_by(Case.id).limit(MAX_COUNTED)))


def case_limit_facts(
    session: Session, desk: Desk, case: Case, accounts: list[int], now: datetime
) -> dict[str, Any]:
    """`case_limits.<name>` for the case: what each limit counts among the earlier cases of
    its order or of its customer (`accounts`: the customer and the linked accounts)."""
    counted = {
        slug: _counted(session, limit, case, accounts, now)
        for slug, limit in desk.case_limits.items()
    }
    return limit_facts(desk.case_limits, counted)
