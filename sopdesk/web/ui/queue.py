"""The queue: the signed-in agent's cases by level or "mine", filtered, sorted, paged by keyset.

Also the live counts fragment HTMX polls, and bulk actions (assign, close as spam).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sopdesk.domain.cases import MAX_LEVEL, CaseStatus, Priority
from sopdesk.engine.case_facts import count_at_risk
from sopdesk.engine.case_lines import case_lines
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.delivery import failed_deliveries
from sopdesk.engine.queues import CaseFilter, CaseSort, count_cases, list_cases
from sopdesk.engine.saved_views import list_views
from sopdesk.engine.triage_intake import NEEDS_TRIAGE
from sopdesk.errors import SopdeskError
from sopdesk.web.ui.case_header import due_in
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPEN = [s.value for s in CaseStatus if s.is_open]
PAGE_SIZE = 50
AT_RISK_WITHIN = timedelta(hours=1)
RISKS = {"soon": "due within the next hour", "breached": "breached"}


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as the page's links carry them."""

    view: str
    level: int | None
    status: str
    category: str | None
    priority: str | None
    column: str | None
    sort: str
    risk: str | None = None

    def where(self, viewer: AgentViewer, now: datetime) -> CaseFilter:
        """The engine's filter; SLA risk reads cases.due_at, the earliest running clock's due
        time: "soon" is due in (now, now + 1 h], "breached" is due at or before now."""
        due_after = now if self.risk == "soon" else None
        due_until = {"soon": now + AT_RISK_WITHIN, "breached": now}.get(self.risk or "")
        statuses: list[str] | None = [self.status]
        if self.status in ("open", "all"):
            statuses = OPEN if self.status == "open" else None
        return CaseFilter(
            status=statuses,
            level=self.level if self.view == "level" else None,
            category=self.category if self.category != NEEDS_TRIAGE else None,
            uncategorised=self.category == NEEDS_TRIAGE,
            assignee_id=viewer.id if self.view == "mine" else None,
            board_column=self.column,
            priority=self.priority,
            due_after=due_after,
            due_until=due_until,
        )

    def params(self) -> dict[str, str]:
        values = {
            "view": self.view,
            "level": str(self.level) if self.level else "",
            "status": self.status,
            "category": self.category or "",
            "priority": self.priority or "",
            "column": self.column or "",
            "sort": self.sort,
            "risk": self.risk or "",
        }
        return {k: v for k, v in values.items() if v}


def visible_levels(viewer: AgentViewer) -> list[int]:
    return [n for n in range(1, MAX_LEVEL + 1) if viewer.principal.sees_level(n)]


@router.get("/", dependencies=[page_needs("cases.read")])
def queue(
    request: Request,
    viewer: Viewer,
    runtime: Rt,
    view: Annotated[str, Query(pattern="^(mine|level|all)$")] = "level",
    level: Annotated[int | None, Query(ge=1, le=MAX_LEVEL)] = None,
    status: Annotated[str, Query(max_length=30)] = "open",
    category: Annotated[str, Query(max_length=100)] = "",
    priority: Annotated[str, Query(max_length=20)] = "",
    column: Annotated[str, Query(max_length=100)] = "",
    sort: CaseSort = CaseSort.DUE,
    risk: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    bulk: Annotated[str, Query(pattern=r"^(|(assign_me|spam)-\d{1,4})$")] = "",
) -> Response:
    if view == "level" and level is None:
        level = viewer.principal.level
    if status not in {"open", "all", *(s.value for s in CaseStatus)}:
        status = "open"
    query = QueueQuery(
        view,
        level,
        status,
        category or None,
        priority if priority in {p.value for p in Priority} else None,
        column or None,
        sort.value,
        risk if risk in RISKS else None,
    )
    now = runtime.clock.now()
    where = query.where(viewer, now)
    page = list_cases(
        runtime.db, viewer.principal, where, sort=sort, limit=PAGE_SIZE, cursor=cursor
    )
    at_risk = count_at_risk(runtime.db, viewer.principal, now, now + AT_RISK_WITHIN)
    return render(
        request,
        "queue.html",
        {
            "viewer": viewer,
            "query": query,
            "page": page,
            "levels": visible_levels(viewer),
            "statuses": [s.value for s in CaseStatus],
            "priorities": [p.value for p in Priority],
            "desk": runtime.desk,
            "needs_triage": NEEDS_TRIAGE,
            "first": not cursor,
            "risks": RISKS,
            "at_risk": at_risk,
            "undelivered": failed_deliveries(runtime.db, [c.id for c in page.items]),
            "lines": case_lines(runtime.db, [c.id for c in page.items]),
            "views": list_views(runtime.db, viewer.principal),
            "bulk_done": bulk_result(bulk),
            "due": lambda due_at: due_in(due_at, now),
        },
    )


def bulk_result(bulk: str) -> str:
    """What the last bulk action did, as the queue says it after the redirect."""
    if not bulk:
        return ""
    action, _, n = bulk.partition("-")
    cases = f"{n} case{'' if n == '1' else 's'}"
    return f"{cases} assigned to you." if action == "assign_me" else f"{cases} closed as spam."


def _back_with_result(back: str, action: str, n: int) -> str:
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("bulk", "cursor")]
    query.append(("bulk", f"{action}-{n}"))
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


@router.get("/queue/counts", dependencies=[page_needs("cases.read")])
def live_counts(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    counts = count_cases(runtime.db, viewer.principal, CaseFilter(status=OPEN))
    mine = count_cases(runtime.db, viewer.principal, CaseFilter(status=OPEN, assignee_id=viewer.id))
    by_level = {n: 0 for n in visible_levels(viewer)}
    for row in counts:
        by_level[row.level] = by_level.get(row.level, 0) + row.count
    return render(
        request,
        "_counts.html",
        {"by_level": by_level, "mine": sum(r.count for r in mine), "viewer": viewer},
    )


@router.post("/cases/bulk", dependencies=[page_needs("cases.change")])
def bulk(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    action = form.get("action")
    ids = [int(v) for v in form.getlist("case") if isinstance(v, str) and v.isdigit()]
    back = str(form.get("back") or "/")
    if action == "assign_me":
        command = ChangeCase(assignee_id=viewer.id, reason="assigned from the queue")
    elif action == "spam":
        command = ChangeCase(status=CaseStatus.SPAM, reason="closed as spam from the queue")
    else:
        raise SopdeskError("choose an action: assign to me, or close as spam")
    if not ids:
        raise SopdeskError("tick at least one case first")
    # Every case is checked before any is changed: one refusal changes nothing.
    checked = [
        (case_id, check_change_case(runtime.db, viewer.principal, runtime.desk, case_id, command))
        for case_id in ids
    ]
    for case_id, changes in checked:
        do_change_case(
            runtime.db,
            runtime.clock,
            viewer.principal,
            case_id,
            changes,
            command.reason,
            runtime.desk,
        )
    return redirect(request, _back_with_result(back, str(action), len(checked)))
