"""What the status page shows, read for one instant: components by group with their state and
90-day uptime, active and recent incidents, maintenance; and the incidents a question is about.

Read-only; the rules are sopdesk.domain.status, the writing side engine.status_page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sopdesk.domain.desk import Desk
from sopdesk.domain.status import (
    UPTIME_DAYS,
    ComponentState,
    DayUptime,
    IncidentFacts,
    IncidentPhase,
    MaintenanceFacts,
    UpdateFacts,
    component_states,
    daily_uptime,
    incidents_affecting,
    mentioned_components,
    overall_state,
    uptime_share,
)
from sopdesk.store.db import Database
from sopdesk.store.models import StatusIncident, StatusIncidentUpdate, StatusMaintenance

RECENT_DAYS = 7
FEED_SIZE = 50


@dataclass(frozen=True)
class ComponentRow:
    slug: str
    title: str
    description: str
    state: ComponentState
    days: list[DayUptime]

    @property
    def uptime(self) -> float:
        return uptime_share(self.days)


@dataclass(frozen=True)
class StatusSnapshot:
    title: str
    at: datetime
    overall: ComponentState
    groups: list[tuple[str, list[ComponentRow]]]  # ("", rows) lists ungrouped components
    active: list[dict[str, Any]]
    recent: list[dict[str, Any]]  # resolved in the last RECENT_DAYS days
    maintenance: list[dict[str, Any]]  # in progress or upcoming

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "at": self.at.isoformat(),
            "status": self.overall.value,
            "groups": [
                {
                    "name": name,
                    "components": [
                        {
                            "slug": row.slug,
                            "title": row.title,
                            "state": row.state.value,
                            "uptime_90d": round(row.uptime, 6),
                        }
                        for row in rows
                    ],
                }
                for name, rows in self.groups
            ],
            "incidents": [_jsonable(i) for i in self.active],
            "recent_incidents": [_jsonable(i) for i in self.recent],
            "maintenance": [_jsonable(m) for m in self.maintenance],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _incidents(
    session: Session, since: datetime | None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Incidents open now or resolved after `since` (None: all), newest first, with updates."""
    query = (
        select(StatusIncident)
        .order_by(StatusIncident.started_at.desc(), StatusIncident.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(
            or_(StatusIncident.resolved_at.is_(None), StatusIncident.resolved_at >= since)
        )
    return describe_incidents(session, session.scalars(query).all())


def describe_incidents(
    session: Session, incidents: Sequence[StatusIncident]
) -> list[dict[str, Any]]:
    """Each incident as a plain dict, with its updates oldest first and the components' states
    its latest update reports."""
    updates: dict[int, list[StatusIncidentUpdate]] = {i.id: [] for i in incidents}
    if incidents:
        for update in session.scalars(
            select(StatusIncidentUpdate)
            .where(StatusIncidentUpdate.incident_id.in_(list(updates)))
            .order_by(StatusIncidentUpdate.at, StatusIncidentUpdate.id)
        ):
            updates[update.incident_id].append(update)
    return [
        {
            "id": i.id,
            "title": i.title,
            "phase": i.phase,
            "started_at": i.started_at,
            "resolved_at": i.resolved_at,
            "components": dict(updates[i.id][-1].components) if updates[i.id] else {},
            "updates": [
                {"at": u.at, "phase": u.phase, "body": u.body, "components": dict(u.components)}
                for u in updates[i.id]
            ],
        }
        for i in incidents
    ]


def _facts(incident: dict[str, Any]) -> IncidentFacts:
    return IncidentFacts(
        incident["id"],
        incident["title"],
        tuple(
            UpdateFacts(
                u["at"],
                IncidentPhase(u["phase"]),
                {slug: ComponentState(s) for slug, s in u["components"].items()},
            )
            for u in incident["updates"]
        ),
    )


def _maintenance(session: Session, now: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(StatusMaintenance)
        .where(StatusMaintenance.ends_at > now)
        .order_by(StatusMaintenance.starts_at, StatusMaintenance.id)
    ).all()
    return [
        {
            "id": m.id,
            "title": m.title,
            "body": m.body,
            "starts_at": m.starts_at,
            "ends_at": m.ends_at,
            "components": list(m.components),
            "in_progress": m.starts_at <= now,
        }
        for m in rows
    ]


def read_status(db: Database, desk: Desk, now: datetime) -> StatusSnapshot:
    with db.transaction(write=False) as session:
        incidents = _incidents(session, now - timedelta(days=UPTIME_DAYS))
        maintenance = _maintenance(session, now)
    facts = [_facts(i) for i in incidents]
    windows = [
        MaintenanceFacts(m["id"], m["title"], m["starts_at"], m["ends_at"], tuple(m["components"]))
        for m in maintenance
    ]
    components = desk.status_page.components
    states = component_states([c.slug for c in components], facts, windows, now)
    groups: dict[str, list[ComponentRow]] = {}
    for c in components:
        row = ComponentRow(
            c.slug, c.title, c.description, states[c.slug], daily_uptime(c.slug, facts, now)
        )
        groups.setdefault(c.group, []).append(row)
    recent_since = now - timedelta(days=RECENT_DAYS)
    return StatusSnapshot(
        title=desk.status_page.title,
        at=now,
        overall=overall_state(states),
        groups=list(groups.items()),
        active=[i for i in incidents if i["resolved_at"] is None],
        recent=[i for i in incidents if i["resolved_at"] and i["resolved_at"] >= recent_since],
        maintenance=maintenance,
    )


def read_feed(db: Database) -> list[dict[str, Any]]:
    """The latest incidents for the Atom feed, newest first."""
    with db.transaction(write=False) as session:
        return _incidents(session, None, limit=FEED_SIZE)


def active_incidents_for(
    db: Database, desk: Desk, now: datetime, about: str | Iterable[str]
) -> list[dict[str, Any]]:
    """The active incidents on the components a question names (`about` as text) or on the
    given component slugs, newest first; for the bot to say first that there is a known
    incident. Each item: id, title, phase, started_at, components (slug → state), and the
    latest update's body as `latest`."""
    if isinstance(about, str):
        titles = {c.slug: c.title for c in desk.status_page.components}
        components = mentioned_components(about, titles)
    else:
        components = list(about)
    if not components:
        return []
    with db.transaction(write=False) as session:
        open_incidents = _incidents(session, now)
    hit = {f.id for f in incidents_affecting(components, [_facts(i) for i in open_incidents], now)}
    return [
        {
            "id": i["id"],
            "title": i["title"],
            "phase": i["phase"],
            "started_at": i["started_at"],
            "components": i["components"],
            "latest": i["updates"][-1]["body"] if i["updates"] else "",
        }
        for i in open_incidents
        if i["id"] in hit
    ]
