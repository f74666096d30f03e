"""Reports for leads: open cases by level and status, SLA compliance (met vs breached per
metric over the last 7 days), and for agents of level 2+, leads and admins the filtered
database reports of sopdesk.engine.reports, as server-rendered inline SVG bar charts.

The database counts; this module only turns counts into bar geometry for the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.callouts import list_callouts
from sopdesk.engine.case_facts import Compliance, sla_compliance
from sopdesk.engine.queues import CaseFilter, QueueCount, count_cases
from sopdesk.engine.reports import parse_filter, require_report_reader, run_all
from sopdesk.errors import Forbidden, InvalidInput
from sopdesk.web.ui.queue import visible_levels
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.report_charts import ROW, SCALE, WIDTH, chart_of
from sopdesk.web.ui.viewer import Rt, Viewer, page_needs

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
COMPLIANCE_DAYS = 7
RECENT_CALLOUTS = 5
MET, BREACHED = "#15803d", "#b91c1c"


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


@dataclass(frozen=True)
class ComplianceBar:
    """One metric's row: the met part, then the breached part, widths relative to the biggest."""

    metric: str
    met: int
    breached: int
    y: int
    met_width: float
    breached_width: float

    @property
    def percent_met(self) -> str:
        total = self.met + self.breached
        return f"{100 * self.met / total:.0f}% met" if total else "nothing decided"


def compliance_bars(rows: list[Compliance]) -> list[ComplianceBar]:
    biggest = max((r.total for r in rows), default=0) or 1
    return [
        ComplianceBar(
            r.metric,
            r.met,
            r.breached,
            index * (BAR_HEIGHT + 12),
            CHART_WIDTH * r.met / biggest,
            CHART_WIDTH * r.breached / biggest,
        )
        for index, r in enumerate(rows)
    ]


def _database_reports(request: Request, viewer: Viewer, runtime: Rt) -> dict[str, Any]:
    """The filtered reports of sopdesk.engine.reports, for readers allowed to see them."""
    try:
        require_report_reader(viewer.principal)
    except Forbidden:
        return {"charts": [], "may_read": False, "filter": None, "problem": None}
    params = dict(request.query_params)
    try:
        chosen = parse_filter(params, runtime.clock.now())
    except InvalidInput as exc:
        return {"charts": [], "may_read": True, "filter": None, "problem": str(exc)}
    found = run_all(runtime.db, viewer.principal, chosen, runtime.clock.now())
    return {
        "charts": [chart_of(r) for r in found],
        "may_read": True,
        "filter": chosen,
        "params": params,
        "problem": None,
        "chart_row": ROW,
        "chart_view": WIDTH,
        "chart_scale": SCALE,
        "categories": sorted(runtime.desk.categories),
        "callouts": list_callouts(runtime.db, viewer.principal, RECENT_CALLOUTS),
    }


@router.get("/reports", dependencies=[page_needs("cases.read")])
def reports(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    levels = visible_levels(viewer)
    counts = count_cases(runtime.db, viewer.principal, CaseFilter(status=[s.value for s in OPEN]))
    bars = stacked_bars(levels, counts)
    now = runtime.clock.now()
    since = now - timedelta(days=COMPLIANCE_DAYS)
    compliance = compliance_bars(sla_compliance(runtime.db, viewer.principal, since, now))
    context = {
        "compliance": compliance,
        "compliance_height": len(compliance) * (BAR_HEIGHT + 12),
        "compliance_days": COMPLIANCE_DAYS,
        "since": since,
        "now": now,
        "met_colour": MET,
        "breached_colour": BREACHED,
        "viewer": viewer,
        "bars": bars,
        "colours": COLOURS,
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
        "chart_height": len(bars) * (BAR_HEIGHT + 12),
        **_database_reports(request, viewer, runtime),
    }
    return render(request, "reports.html", context)
