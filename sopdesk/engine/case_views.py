"""What callers see of a case: its view, read for a principal the access policy allows."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.store.db import Database
from sopdesk.store.models import Case


@dataclass(frozen=True)
class CaseView:
    id: int
    customer_id: int
    order_id: int | None
    partner_id: int | None
    subject: str
    channel: str
    category: str | None
    level: int
    priority: str
    status: str
    board_column: str | None
    assignee_id: int | None
    tags: list[str]
    signals: list[str]
    language: str
    desk_version: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of_row(cls, case_id: int, row: dict[str, Any]) -> CaseView:
        """The view of a case from its columns (as `write_new_case` wrote them)."""
        values = {name: row[name] for name in _VIEW_COLUMNS}
        lists = {"tags": list(row["tags"] or []), "signals": list(row["signals"] or [])}
        return cls(id=case_id, **{**values, **lists})

    @classmethod
    def of(cls, case: Case) -> CaseView:
        return cls(
            case.id,
            case.customer_id,
            case.order_id,
            case.partner_id,
            case.subject,
            case.channel,
            case.category,
            case.level,
            case.priority,
            case.status,
            case.board_column,
            case.assignee_id,
            list(case.tags or []),
            list(case.signals or []),
            case.language,
            case.desk_version,
            case.created_at,
            case.updated_at,
            case.due_at,
            case.closed_at,
        )


_VIEW_COLUMNS = tuple(f.name for f in fields(CaseView) if f.name != "id")


def get_case(db: Database, principal: Principal, case_id: int) -> CaseView:
    require_staff(principal)
    with db.transaction(write=False) as session:
        return CaseView.of(load_case(session, principal, case_id))
