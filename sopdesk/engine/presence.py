"""The collision notice: which other agents have a case open (a heartbeat the case page sends
while it is open) and who replied or wrote on it since the page was loaded.

Heartbeats are rows in `case_presence`, so every process of `serve --workers N` agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.store.db import Database, dialect_insert
from sopdesk.store.models import Agent, CaseEvent, CasePresence

# A page polls every 15 s; one missed beat is not yet "gone".
PRESENT_FOR = timedelta(seconds=45)
_PRESENCE = cast(Table, CasePresence.__table__)
_WRITTEN = (EventKind.MESSAGE_OUT.value, EventKind.NOTE.value, EventKind.CALL.value)


@dataclass(frozen=True)
class Collision:
    """Other agents on the case now, and what others wrote since the page was loaded."""

    viewing: list[str]
    replied: list[tuple[str, str, datetime]]  # (agent, event kind, when)

    @property
    def any(self) -> bool:
        return bool(self.viewing or self.replied)


def beat(db: Database, clock: Clock, principal: Principal, case_id: int, since: int) -> Collision:
    """Records that the principal has the case open now and answers who else is on it."""
    require_staff(principal)
    now = clock.now()
    assert principal.id is not None  # staff signed in to the console
    with db.transaction() as session:
        load_case(session, principal, case_id, CaseAction.SEE)
        insert = dialect_insert(session, _PRESENCE).values(
            case_id=case_id, agent_id=principal.id, seen_at=now
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["case_id", "agent_id"], set_={"seen_at": now}
            )
        )
        viewing = session.scalars(
            select(Agent.name)
            .join(CasePresence, CasePresence.agent_id == Agent.id)
            .where(
                CasePresence.case_id == case_id,
                CasePresence.agent_id != principal.id,
                CasePresence.seen_at >= now - PRESENT_FOR,
            )
            .order_by(Agent.name)
        ).all()
        written = session.execute(
            select(Agent.name, CaseEvent.kind, CaseEvent.at)
            .join(Agent, Agent.id == CaseEvent.actor_id)
            .where(
                CaseEvent.case_id == case_id,
                CaseEvent.id > since,
                CaseEvent.actor_kind == "agent",
                CaseEvent.actor_id != principal.id,
                CaseEvent.kind.in_(_WRITTEN),
            )
            .order_by(CaseEvent.id)
            .limit(20)
        ).all()
    return Collision(list(viewing), [(str(n), str(k), a) for n, k, a in written])
