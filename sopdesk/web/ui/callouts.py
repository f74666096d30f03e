"""/callouts: the trend callouts of the hourly and daily jobs, each with a small chart (this
window against the usual volume, its spread as a whisker), its table, the words that explain it
and links to its cases. For the readers of reports (agents of level 2+, leads, admins).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.callouts import CalloutView, list_callouts
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
VIEW_WIDTH = 360  # SVG user units; the chart scales to the page (readable at 390 px)
LABEL = 90
CASES_LINKED = 30  # links shown per callout; the API has them all


@dataclass(frozen=True)
class CalloutChart:
    callout: CalloutView
    count_width: float
    mean_width: float
    sd_from: float
    sd_to: float

    @property
    def more_cases(self) -> int:
        return max(0, len(self.callout.case_ids) - CASES_LINKED)


def chart_of(c: CalloutView) -> CalloutChart:
    room = VIEW_WIDTH - LABEL - 40
    biggest = max(c.count, c.mean + c.sd, 1.0)
    scale = room / biggest
    return CalloutChart(
        c,
        c.count * scale,
        c.mean * scale,
        max(0.0, c.mean - c.sd) * scale,
        (c.mean + c.sd) * scale,
    )


@router.get("/callouts", dependencies=[page_needs("reports.read")])
def callouts(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    found = list_callouts(runtime.db, viewer.principal)
    return render(
        request,
        "callouts.html",
        {
            "viewer": viewer,
            "charts": [chart_of(c) for c in found],
            "view_width": VIEW_WIDTH,
            "label": LABEL,
            "cases_linked": CASES_LINKED,
            "desk": runtime.desk,
        },
    )
