"""Saved queue views: each agent names a set of queue filters and finds it again on the queue.

A view is the queue's query string, kept per agent; only its owner sees, uses or deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from pydantic import BaseModel, Field
from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_staff
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import SavedView

# The queue's filters a view may keep (a cursor or anything else is dropped).
QUEUE_PARAMS = ("view", "level", "status", "category", "priority", "column", "sort", "risk")
MAX_VIEWS = 30


class SaveView(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    query: str = Field(max_length=1000)


@dataclass(frozen=True)
class ViewLink:
    id: int
    name: str
    query: str


def clean_query(query: str) -> str:
    """Only the queue's own filters, in a stable order."""
    pairs = dict(parse_qsl(query.lstrip("?"), keep_blank_values=False))
    return urlencode([(k, pairs[k]) for k in QUEUE_PARAMS if pairs.get(k)])


def list_views(db: Database, principal: Principal) -> list[ViewLink]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        rows = session.scalars(
            select(SavedView).where(SavedView.agent_id == principal.id).order_by(SavedView.name)
        )
        return [ViewLink(r.id, r.name, r.query) for r in rows]


def check_save_view(db: Database, principal: Principal, command: SaveView) -> SaveView:
    require_staff(principal)
    name = command.name.strip()
    if not name:
        raise InvalidInput("give the view a name, e.g. “breached at level 1”")
    existing = list_views(db, principal)
    if any(v.name == name for v in existing):
        raise Conflict(f"you already have a view called “{name}”; pick another name")
    if len(existing) >= MAX_VIEWS:
        raise InvalidInput(f"you have {MAX_VIEWS} views already; delete one first")
    return SaveView(name=name, query=clean_query(command.query))


def do_save_view(db: Database, now: datetime, principal: Principal, command: SaveView) -> int:
    assert principal.id is not None
    with db.transaction() as session:
        row = SavedView(
            agent_id=principal.id, name=command.name, query=command.query, created_at=now
        )
        session.add(row)
        session.flush()
        return row.id


def check_delete_view(db: Database, principal: Principal, view_id: int) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        row = session.get(SavedView, view_id)
        if row is None or row.agent_id != principal.id:
            raise NotFound("that saved view does not exist (or is not yours)")


def do_delete_view(db: Database, view_id: int) -> None:
    with db.transaction() as session:
        row = session.get(SavedView, view_id)
        if row is not None:
            session.delete(row)
