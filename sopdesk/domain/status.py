"""The rules of the status page: each component's state at an instant from incidents and
maintenance, the daily uptime of the last 90 days, and which incidents a question is about.

Plain data in, plain data out: the engine loads the rows and hands them over as facts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

UPTIME_DAYS = 90


class ComponentState(StrEnum):
    """How a component is doing, in the order of severity (maintenance is expected, not an
    outage: it does not count against uptime)."""

    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return list(ComponentState).index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def downtime_weight(self) -> float:
        """The share of a minute in this state that counts as down (partial outage: half)."""
        return {ComponentState.MAJOR_OUTAGE: 1.0, ComponentState.PARTIAL_OUTAGE: 0.5}.get(self, 0.0)


# The states an incident may put a component in (maintenance is scheduled, never reported).
INCIDENT_STATES = (
    ComponentState.DEGRADED,
    ComponentState.PARTIAL_OUTAGE,
    ComponentState.MAJOR_OUTAGE,
)


class IncidentPhase(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class UpdateFacts:
    """One timed update: the phase from then on and the components' states it reports."""

    at: datetime
    phase: IncidentPhase
    states: dict[str, ComponentState]


@dataclass(frozen=True)
class IncidentFacts:
    id: int
    title: str
    updates: tuple[UpdateFacts, ...]  # in time order; the first opened the incident

    @property
    def started_at(self) -> datetime:
        return self.updates[0].at

    @property
    def resolved_at(self) -> datetime | None:
        last = self.updates[-1]
        return last.at if last.phase is IncidentPhase.RESOLVED else None

    def states_at(self, at: datetime) -> dict[str, ComponentState]:
        """The component states this incident reports at `at` (none once resolved)."""
        current: UpdateFacts | None = None
        for update in self.updates:
            if update.at > at:
                break
            current = update
        if current is None or current.phase is IncidentPhase.RESOLVED:
            return {}
        return current.states

    def is_active(self, at: datetime) -> bool:
        return self.started_at <= at and (self.resolved_at is None or self.resolved_at > at)


@dataclass(frozen=True)
class MaintenanceFacts:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    components: tuple[str, ...]

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def component_states(
    components: Iterable[str],
    incidents: Sequence[IncidentFacts],
    maintenance: Sequence[MaintenanceFacts],
    at: datetime,
) -> dict[str, ComponentState]:
    """The state of each component at `at`: the worst an active incident reports, else
    maintenance while a window covers it, else operational."""
    states = {slug: ComponentState.OPERATIONAL for slug in components}
    for window in maintenance:
        if window.covers(at):
            for slug in window.components:
                if slug in states:
                    states[slug] = ComponentState.MAINTENANCE
    for incident in incidents:
        for slug, state in incident.states_at(at).items():
            if slug in states and state.rank > states[slug].rank:
                states[slug] = state
    return states


def overall_state(states: dict[str, ComponentState]) -> ComponentState:
    return max(states.values(), key=lambda s: s.rank, default=ComponentState.OPERATIONAL)


@dataclass(frozen=True)
class DayUptime:
    day: date
    uptime: float  # 0..1 of the day's elapsed time
    worst: ComponentState
    incident_ids: tuple[int, ...] = field(default=())


def _segments(incident: IncidentFacts, slug: str) -> list[tuple[datetime, datetime | None, float]]:
    """(from, until, downtime weight) of one component through one incident's updates."""
    out: list[tuple[datetime, datetime | None, float]] = []
    for i, update in enumerate(incident.updates):
        until = incident.updates[i + 1].at if i + 1 < len(incident.updates) else None
        if update.phase is IncidentPhase.RESOLVED:
            break
        state = update.states.get(slug)
        if state is not None:
            out.append((update.at, until, state.downtime_weight))
    return out


def _worst_in(
    incident: IncidentFacts, slug: str, start: datetime, end: datetime
) -> ComponentState | None:
    worst: ComponentState | None = None
    for i, update in enumerate(incident.updates):
        until = incident.updates[i + 1].at if i + 1 < len(incident.updates) else end
        if update.phase is IncidentPhase.RESOLVED or update.at >= end or until <= start:
            continue
        state = update.states.get(slug)
        if state is not None and (worst is None or state.rank > worst.rank):
            worst = state
    return worst


def daily_uptime(
    slug: str, incidents: Sequence[IncidentFacts], now: datetime, days: int = UPTIME_DAYS
) -> list[DayUptime]:
    """Uptime per UTC day for the last `days` days up to `now`, oldest first. Downtime is the
    time in partial (half) or major outage (full); overlapping incidents count the worst once.
    Today counts only its elapsed part."""
    today = now.astimezone(UTC).date()
    segments = [seg for incident in incidents for seg in _segments(incident, slug)]
    result: list[DayUptime] = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, time(), UTC)
        end = min(start + timedelta(days=1), now)
        if end <= start:
            result.append(DayUptime(day, 1.0, ComponentState.OPERATIONAL))
            continue
        cuts = {start, end}
        for seg_from, seg_until, _ in segments:
            for t in (seg_from, seg_until):
                if t is not None and start < t < end:
                    cuts.add(t)
        points = sorted(cuts)
        down = 0.0
        for a, b in itertools.pairwise(points):
            weight = max(
                (w for f, u, w in segments if f <= a and (u is None or u > a)), default=0.0
            )
            down += weight * (b - a).total_seconds()
        worst = ComponentState.OPERATIONAL
        ids: list[int] = []
        for incident in incidents:
            state = _worst_in(incident, slug, start, end)
            if state is not None:
                ids.append(incident.id)
                if state.rank > worst.rank:
                    worst = state
        total = (end - start).total_seconds()
        result.append(DayUptime(day, 1.0 - down / total, worst, tuple(ids)))
    return result


def uptime_share(days: Sequence[DayUptime]) -> float:
    """The mean uptime over the days shown (each day weighs the same)."""
    return sum(d.uptime for d in days) / len(days) if days else 1.0


_WORD = re.compile(r"[a-z0-9]+")


def mentioned_components(text: str, titles: dict[str, str]) -> list[str]:
    """The components (slug → title) a text names, by slug or by every word of the title."""
    words = set(_WORD.findall(text.lower()))
    lowered = text.lower()
    found = []
    for slug, title in titles.items():
        title_words = set(_WORD.findall(title.lower()))
        if slug in lowered or (title_words and title_words <= words):
            found.append(slug)
    return found


def incidents_affecting(
    components: Iterable[str], incidents: Sequence[IncidentFacts], at: datetime
) -> list[IncidentFacts]:
    """The incidents active at `at` that report one of `components` as not operational."""
    wanted = set(components)
    return [
        incident
        for incident in incidents
        if incident.is_active(at) and wanted & set(incident.states_at(at))
    ]
