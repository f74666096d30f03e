"""The case timeline: appending events (never editing them) and reading them back in pages.

Every other part of sopdesk records what it did through `append_event` (or, for several events
at once, `append_events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.principal import Principal
from sopdesk.engine.subscriptions import publish_case_event
from sopdesk.store.models import CaseEvent

EVENTS = cast(Table, CaseEvent.__table__)
# Built once; a Core INSERT of the table skips the ORM's unit of work (the rows are final).
_INSERT_EVENTS = insert(EVENTS)
_INSERT_EVENTS_RETURNING = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)


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
    new = NewEvent.of(case_id, kind, at, actor, body=body, channel=channel, data=data)
    event = CaseEvent(**asdict(new))
    session.add(event)
    publish_case_event(session, event)
    return event


@dataclass(frozen=True)
class NewEvent:
    """A timeline event not yet written: the columns of one `case_events` row."""

    case_id: int
    kind: str
    at: datetime
    actor_kind: str
    actor_id: int | None
    channel: str | None = None
    body: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        case_id: int,
        kind: EventKind,
        at: datetime,
        actor: Principal,
        *,
        body: str | None = None,
        channel: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> NewEvent:
        """The event `append_event` would write for the same arguments."""
        return cls(case_id, kind.value, at, actor.kind.value, actor.id, channel, body, data or {})


def append_events(
    session: Session, events: Sequence[NewEvent], *, returning: bool = False
) -> list[int]:
    """Appends events in one statement (in order, so their ids ascend) and hands each to the
    webhook publisher, as `append_event` does. With `returning`, the new ids in the same order;
    without, an empty list (an executemany with no RETURNING, for callers that need no id)."""
    if not events:
        return []
    rows = [
        {
            "case_id": e.case_id,
            "kind": e.kind,
            "at": e.at,
            "actor_kind": e.actor_kind,
            "actor_id": e.actor_id,
            "channel": e.channel,
            "body": e.body,
            "data": e.data,
        }
        for e in events
    ]
    ids: list[int] = []
    if returning:
        ids = list(session.execute(_INSERT_EVENTS_RETURNING, rows).scalars())
    else:
        session.execute(_INSERT_EVENTS, rows)
    for event in events:
        publish_case_event(session, event)
    return ids


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
