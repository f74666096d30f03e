"""Accounts of the same person: the links between customers, followed both ways and through
chains (A-B-C is one customer), each with the reason it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, case, literal, null, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from sopdesk.store.models import CustomerLink

# Links are stored one way; the walk follows them both ways (the unique index serves one arm,
# ix_customer_links_linked_id the other).
_LINKS = cast(Table, CustomerLink.__table__)


def linked_ids(session: Session, customer_id: int) -> list[int]:
    """The ids of the accounts linked to this customer, either way round and through chains,
    sorted."""
    return sorted(a.customer_id for a in linked_accounts(session, customer_id))


MAX_LINK_HOPS = 4  # a chain A-B-C-D-E is one customer; further accounts are not followed
MAX_LINKED_ACCOUNTS = 200


def _reach() -> Any:
    """Accounts reachable over links (either way round) within MAX_LINK_HOPS, nearest first:
    (account, the account it was reached from, the link's reason, hops). One recursive CTE,
    the same on SQLite and PostgreSQL; revisits are bounded by the hop limit."""
    key = _LINKS.c.customer_id.type  # BIGINT on PostgreSQL: both terms must agree
    start = select(
        sql_cast(bindparam("customer_id"), key).label("id"),
        sql_cast(null(), key).label("via"),
        sql_cast(null(), String).label("reason"),
        literal(0, Integer).label("hops"),
    ).cte("reach", recursive=True)
    here = start.alias("here")
    step = select(
        case((_LINKS.c.customer_id == here.c.id, _LINKS.c.linked_id), else_=_LINKS.c.customer_id),
        here.c.id,
        _LINKS.c.reason,
        here.c.hops + 1,
    ).where(
        or_(_LINKS.c.customer_id == here.c.id, _LINKS.c.linked_id == here.c.id),
        here.c.hops < MAX_LINK_HOPS,
    )
    reach = start.union_all(step)
    return (
        select(reach.c.id, reach.c.via, reach.c.reason)
        .where(reach.c.hops > 0)
        .order_by(reach.c.hops, reach.c.id)
        .limit(MAX_LINKED_ACCOUNTS * MAX_LINK_HOPS)
    )


_REACH = _reach()


@dataclass(frozen=True)
class LinkedAccount:
    """An account of the same person, and why: its link's reason, and the account it hangs on."""

    customer_id: int
    via: int
    reason: str

    def explanation(self, customer_id: int) -> str:
        hop = "" if self.via == customer_id else f" (via account {self.via})"
        return f"{self.reason}{hop}"


def linked_accounts(session: Session, customer_id: int) -> list[LinkedAccount]:
    """Every account linked to this one, directly or through a chain of links (A-B-C is one
    customer), nearest first, each with the link that reached it."""
    found: dict[int, LinkedAccount] = {}
    for other, via, reason in session.execute(_REACH, {"customer_id": customer_id}):
        if other != customer_id and other not in found and len(found) < MAX_LINKED_ACCOUNTS:
            found[other] = LinkedAccount(int(other), int(via), reason or "")
    return list(found.values())
