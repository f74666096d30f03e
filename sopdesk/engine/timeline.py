"""The case timeline: appending events (never editing them) and reading them back in pages.

Every other part of sopdesk records what it did through `append_event`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.principal import Principal
from sopdesk.engine.subscriptions import publish_case_event
from sopdesk.store.models import CaseEvent


def append_event(
    session: Session,
    case_id: int,
    kind: EventKind,
    at: datetime,
    actor: Principal,
    *,
    body: str | None = None,
    channel: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case_id,
        kind=kind.value,
        at=at,
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        channel=channel,
        body=body,
        data=data or {},
    )
    session.add(event)
    publish_case_event(session, event)
    return event


@dataclass(frozen=True)
class EventView:
    id: int
    case_id: int
    kind: str
    at: datetime
    actor_kind: str
    actor_id: int | None
    channel: str | None
    body: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: CaseEvent) -> EventView:
        return cls(
            event.id,
            event.case_id,
            event.kind,
            event.at,
            event.actor_kind,
            event.actor_id,
            event.channel,
            event.body,
            dict(event.data or {}),
        )


def read_timeline(
    session: Session, case_id: int, *, limit: int, after_id: int | None
) -> list[EventView]:
    """Events oldest first; `after_id` continues a previous page (keyset, not offset)."""
    query = (
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id).limit(limit)
    )
    if after_id is not None:
        query = query.where(CaseEvent.id > after_id)
    return [EventView.of(e) for e in session.scalars(query)]
