"""Case lists for queues and the API: filters, visibility by level, keyset pagination.

Cursors are opaque to clients; inside they hold the sort key of the last row served.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from sopdesk.domain.cases import CaseStatus, Priority
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_staff, visible_cases
from sopdesk.engine.cases import CaseView
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Case

MAX_PAGE = 200


class CaseSort(StrEnum):
    NEWEST = "newest"
    DUE = "due"
    PRIORITY = "priority"


@dataclass(frozen=True)
class CaseFilter:
    status: list[str] | None = None
    level: int | None = None
    category: str | None = None
    assignee_id: int | None = None
    board_column: str | None = None
    priority: str | None = None
    # SLA risk: the case's earliest running clock due after / at or before these instants.
    due_after: datetime | None = None
    due_until: datetime | None = None
    # The board's archive rule: cases solved or closed at or after this instant count too,
    # whatever `status` says (a column that keeps solved cards for a while).
    solved_since: datetime | None = None
    unassigned: bool = False
    uncategorised: bool = False  # no category yet: what triage left to a person


SOLVED = [CaseStatus.SOLVED.value, CaseStatus.CLOSED.value]


@dataclass(frozen=True)
class Page:
    items: list[CaseView]
    next_cursor: str | None


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "the cursor is not one this API handed out; start again without it",
            errors=[{"loc": ["query", "cursor"], "msg": "malformed cursor"}],
        ) from None
    if not isinstance(value, dict) or not isinstance(value.get("id"), int):
        raise InvalidInput(
            "the cursor is not one this API handed out; start again without it",
            errors=[{"loc": ["query", "cursor"], "msg": "malformed cursor"}],
        )
    return value


def _filtered(query: Select[Any], where: CaseFilter) -> Select[Any]:
    if where.status and where.solved_since is not None:
        recently_solved = and_(Case.status.in_(SOLVED), Case.closed_at >= where.solved_since)
        query = query.where(or_(Case.status.in_(where.status), recently_solved))
    elif where.status:
        query = query.where(Case.status.in_(where.status))
    if where.level is not None:
        query = query.where(Case.level == where.level)
    if where.category is not None:
        query = query.where(Case.category == where.category)
    if where.uncategorised:
        query = query.where(Case.category.is_(None))
    if where.assignee_id is not None:
        query = query.where(Case.assignee_id == where.assignee_id)
    if where.unassigned:
        query = query.where(Case.assignee_id.is_(None))
    if where.board_column is not None:
        query = query.where(Case.board_column == where.board_column)
    if where.priority is not None:
        query = query.where(Case.priority == where.priority)
    if where.due_after is not None:
        query = query.where(Case.due_at > where.due_after)
    if where.due_until is not None:
        query = query.where(Case.due_at <= where.due_until)
    return query


def _after(query: Select[Any], sort: CaseSort, cursor: dict[str, Any]) -> Select[Any]:
    last_id = cursor["id"]
    if sort is CaseSort.NEWEST:
        return query.where(Case.id < last_id)
    if sort is CaseSort.PRIORITY:
        rank = int(cursor.get("rank", 0))
        return query.where(
            or_(Case.priority_rank < rank, and_(Case.priority_rank == rank, Case.id > last_id))
        )
    due = cursor.get("due")
    if due is None:  # already in the tail of cases without a due time
        return query.where(Case.due_at.is_(None), Case.id > last_id)
    due_at = datetime.fromisoformat(due)
    return query.where(
        or_(
            Case.due_at > due_at,
            and_(Case.due_at == due_at, Case.id > last_id),
            Case.due_at.is_(None),
        )
    )


def _ordered(query: Select[Any], sort: CaseSort) -> Select[Any]:
    if sort is CaseSort.NEWEST:
        return query.order_by(Case.id.desc())
    if sort is CaseSort.PRIORITY:
        return query.order_by(Case.priority_rank.desc(), Case.id)
    # Cases with a due time first, soonest first; then the ones without, oldest first.
    return query.order_by(Case.due_at.is_(None), Case.due_at, Case.id)


def _cursor_of(sort: CaseSort, case: CaseView) -> str:
    values: dict[str, Any] = {"id": case.id}
    if sort is CaseSort.PRIORITY:
        values["rank"] = Priority(case.priority).rank
    elif sort is CaseSort.DUE:
        values["due"] = case.due_at.isoformat() if case.due_at else None
    return encode_cursor(values)


def list_cases(
    db: Database,
    principal: Principal,
    where: CaseFilter,
    *,
    sort: CaseSort = CaseSort.NEWEST,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    require_staff(principal)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE}",
            errors=[{"loc": ["query", "limit"], "msg": f"must be 1..{MAX_PAGE}"}],
        )
    query = _ordered(_filtered(visible_cases(select(Case), principal), where), sort)
    if cursor:
        query = _after(query, sort, decode_cursor(cursor))
    with db.transaction(write=False) as session:
        rows = [CaseView.of(c) for c in session.scalars(query.limit(limit + 1))]
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items, _cursor_of(sort, items[-1]) if more and items else None)


@dataclass(frozen=True, order=True)
class QueueCount:
    level: int
    status: str
    count: int


def count_cases(db: Database, principal: Principal, where: CaseFilter) -> list[QueueCount]:
    """How many visible cases each (level, status) holds; counted by the database, not here."""
    require_staff(principal)
    counted: Select[Any] = select(Case.level, Case.status, func.count())  # type: ignore[assignment]
    query = _filtered(visible_cases(counted, principal), where).group_by(Case.level, Case.status)
    with db.transaction(write=False) as session:
        rows = session.execute(query).all()
    return sorted(QueueCount(int(level), str(status), int(n)) for level, status, n in rows)
