"""Reports for leads: open cases by level and status as a stacked bar chart (inline SVG).

The database counts; this module only turns counts into bar geometry for the template.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.queues import CaseFilter, QueueCount, count_cases
from sopdesk.web.ui.queue import visible_levels
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import Rt, Viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPEN = [s for s in CaseStatus if s.is_open]
COLOURS = {
    "new": "#2563eb",
    "open": "#0891b2",
    "waiting_customer": "#a16207",
    "waiting_partner": "#c2410c",
    "waiting_approval": "#7c3aed",
}
CHART_WIDTH = 560
BAR_HEIGHT = 28


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class Bar:
    level: int
    total: int
    y: int
    segments: list[Segment]


def stacked_bars(levels: list[int], counts: list[QueueCount]) -> list[Bar]:
    by_level = {level: {s.value: 0 for s in OPEN} for level in levels}
    for row in counts:
        if row.level in by_level and row.status in by_level[row.level]:
            by_level[row.level][row.status] += row.count
    biggest = max((sum(v.values()) for v in by_level.values()), default=0) or 1
    bars = []
    for index, level in enumerate(levels):
        x = 0.0
        segments = []
        for status, count in by_level[level].items():
            width = CHART_WIDTH * count / biggest
            segments.append(Segment(status, count, x, width, COLOURS.get(status, "#64748b")))
            x += width
        bars.append(Bar(level, sum(by_level[level].values()), index * (BAR_HEIGHT + 12), segments))
    return bars


@router.get("/reports")
def reports(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    levels = visible_levels(viewer)
    counts = count_cases(runtime.db, viewer.principal, CaseFilter(status=[s.value for s in OPEN]))
    bars = stacked_bars(levels, counts)
    context = {
        "viewer": viewer,
        "bars": bars,
        "colours": COLOURS,
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
        "chart_height": len(bars) * (BAR_HEIGHT + 12),
    }
    return render(request, "reports.html", context)
