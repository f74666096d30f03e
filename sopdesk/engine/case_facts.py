"""Read-only facts the console shows around a case: linked accounts with the reason of each
link, how many visible clocks are at risk, and SLA compliance (met vs breached) over a period.

Nothing here writes; every count is made by the database, never by loading rows into memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import Metric
from sopdesk.engine.customers import require_staff
from sopdesk.engine.sla_views import at_risk_query
from sopdesk.store.db import Database
from sopdesk.store.models import Case, Customer, CustomerLink, SlaClockRow

MAX_LINKED_SHOWN = 50


@dataclass(frozen=True)
class LinkedAccount:
    """Another account of the same person, and why sopdesk believes so."""

    customer_id: int
    name: str | None
    email: str
    reason: str


def read_linked_accounts(session: Session, customer_id: int) -> list[LinkedAccount]:
    """The customer's linked accounts either way round, with each link's reason, by id."""
    outgoing = select(CustomerLink.linked_id.label("other"), CustomerLink.reason).where(
        CustomerLink.customer_id == customer_id
    )
    incoming = select(CustomerLink.customer_id.label("other"), CustomerLink.reason).where(
        CustomerLink.linked_id == customer_id
    )
    links = union_all(outgoing, incoming).subquery()
    rows = session.execute(
        select(Customer.id, Customer.name, Customer.email, links.c.reason)
        .join(links, links.c.other == Customer.id)
        .order_by(Customer.id)
        .limit(MAX_LINKED_SHOWN)
    ).all()
    seen: dict[int, LinkedAccount] = {}
    for cid, name, email, reason in rows:
        if cid in seen:  # linked both ways round: one account, both reasons
            reason = f"{seen[cid].reason}; {reason}"
        seen[cid] = LinkedAccount(int(cid), name, str(email), str(reason))
    return list(seen.values())


def _visible(query: Select[Any], principal: Principal) -> Select[Any]:
    """Only the cases of levels the principal sees (leads and admins see every level)."""
    if principal.sees_every_level:
        return query
    return query.where(Case.level <= principal.level)


def count_at_risk(db: Database, principal: Principal, now: datetime, until: datetime) -> int:
    """Visible cases with a running clock due in (now, until]: the SLA's at-risk range scan."""
    require_staff(principal)
    risky = at_risk_query(now, until).subquery()
    query = _visible(
        select(func.count(func.distinct(risky.c.case_id))).join(Case, Case.id == risky.c.case_id),
        principal,
    )
    with db.transaction(write=False) as session:
        return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Compliance:
    """Clocks of one metric decided in a period: met (stopped in time) or breached."""

    metric: str
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached


def sla_compliance(
    db: Database, principal: Principal, since: datetime, until: datetime
) -> list[Compliance]:
    """Per metric, the visible clocks decided in [since, until]: those that breached in the
    period, and those stopped in the period without a breach. Running, unbreached clocks are
    undecided and not counted."""
    require_staff(principal)
    decided = or_(
        and_(SlaClockRow.breached.is_(True), SlaClockRow.breached_at.between(since, until)),
        and_(SlaClockRow.breached.is_(False), SlaClockRow.stopped_at.between(since, until)),
    )
    counted: Select[Any] = select(  # type: ignore[assignment]
        SlaClockRow.metric, SlaClockRow.breached, func.count()
    ).join(Case, Case.id == SlaClockRow.case_id)
    query = _visible(counted.where(decided), principal).group_by(
        SlaClockRow.metric, SlaClockRow.breached
    )
    by_metric = {m.value: {False: 0, True: 0} for m in Metric}
    with db.transaction(write=False) as session:
        for metric, breached, n in session.execute(query):
            by_metric.setdefault(str(metric), {False: 0, True: 0})[bool(breached)] += int(n)
    return [Compliance(m, c[False], c[True]) for m, c in by_metric.items()]
