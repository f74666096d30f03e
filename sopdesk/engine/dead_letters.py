"""The dead-letter outbox: rows the worker gave up on, listed for admins and sent again.

Retrying puts a dead row back to pending, due now, attempts reset; the worker does the rest.
A dead timer (`timer.dead`) is set again as a timer due now, and its dead letter is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from sopdesk.domain.clock import Clock
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.outbox import DEAD, PENDING, OutboxKind
from sopdesk.errors import Conflict, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import OutboxMessage, Timer


@dataclass(frozen=True)
class OutboxView:
    id: int
    kind: str
    case_id: int | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxView:
        return cls(
            row.id, row.kind, row.case_id, row.status, row.attempts, row.last_error, row.created_at
        )


def list_dead(db: Database, principal: Principal, *, limit: int = 100) -> list[OutboxView]:
    require(principal, "desk.admin")
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    with db.transaction(write=False) as session:
        return [OutboxView.of(row) for row in session.scalars(query)]


def check_retry_outbox(db: Database, principal: Principal, outbox_id: int) -> None:
    require(principal, "desk.admin")
    with db.transaction(write=False) as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound(f"no outbox message with id {outbox_id}")
        if row.status != DEAD:
            raise Conflict(f"outbox message {outbox_id} is {row.status}; only dead ones retry")


def do_retry_outbox(db: Database, clock: Clock, outbox_id: int) -> OutboxView:
    with db.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound(f"no outbox message with id {outbox_id}")
        view = OutboxView.of(row)
        if row.status != DEAD:
            return view
        if row.kind == OutboxKind.DEAD_TIMER.value:
            payload = dict(row.payload or {})
            kind = str(payload.pop("timer_kind"))
            payload.pop("dead_timer_id", None)
            session.add(
                Timer(
                    due_at=clock.now(),
                    kind=kind,
                    case_id=row.case_id,
                    payload=payload,
                    attempts=0,
                    created_at=clock.now(),
                )
            )
            session.delete(row)
            return replace(view, status="retried")
        row.status = PENDING
        row.attempts = 0
        row.next_attempt_at = clock.now()
        return OutboxView.of(row)
