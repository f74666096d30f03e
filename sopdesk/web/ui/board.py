"""The board: the desk's columns with the open cases in each, and moving a card between them.

A move is the engine's do_change_case on `board_column`, so it lands on the case's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sopdesk.domain.cases import MAX_LEVEL, CaseStatus
from sopdesk.domain.policy import allows
from sopdesk.engine.accounts import list_agents
from sopdesk.engine.case_lines import case_lines
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.queues import CaseFilter, CaseSort, list_cases
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.case_header import due_in, spoken
from sopdesk.web.ui.forms import FormRefused, parse, text_fields
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CARDS_PER_COLUMN = 50
OPEN = [s.value for s in CaseStatus if s.is_open]


@dataclass(frozen=True)
class BoardFilter:
    """The board's filters: one level, and an assignee ("me", "none" or an agent's id)."""

    level: int | None = None
    assignee: str = ""

    @classmethod
    def of(cls, level: str, assignee: str) -> BoardFilter:
        lv = int(level) if level.isdigit() and 1 <= int(level) <= MAX_LEVEL else None
        ok = assignee in ("me", "none") or assignee.isdigit()
        return cls(lv, assignee if ok else "")

    def assignee_id(self, viewer: AgentViewer) -> int | None:
        if self.assignee == "me":
            return viewer.id
        return int(self.assignee) if self.assignee.isdigit() else None

    def params(self) -> dict[str, str]:
        values = {"level": str(self.level or ""), "assignee": self.assignee}
        return {k: v for k, v in values.items() if v}


def board_context(
    runtime: Rt, viewer: AgentViewer, problem: str = "", shown: BoardFilter | None = None
) -> dict[str, object]:
    shown = shown or BoardFilter()
    now = runtime.clock.now()
    lanes = []
    for column in runtime.desk.columns:
        page = list_cases(
            runtime.db,
            viewer.principal,
            CaseFilter(
                status=OPEN,
                board_column=column.slug,
                level=shown.level,
                assignee_id=shown.assignee_id(viewer),
                solved_since=column.archive_before(now),
                unassigned=shown.assignee == "none",
            ),
            sort=CaseSort.DUE,
            limit=CARDS_PER_COLUMN,
        )
        lanes.append((column, page.items, page.next_cursor is not None))
    cards = [c for _, items, _ in lanes for c in items]
    sees_agents = allows("agents.read", viewer.principal)
    return {
        "viewer": viewer,
        "lanes": lanes,
        "problem": problem,
        "shown": shown,
        "levels": list(range(1, MAX_LEVEL + 1)),
        "agents": list_agents(runtime.db, viewer.principal) if sees_agents else [],
        "lines": case_lines(runtime.db, [c.id for c in cards]),
        "due": lambda due_at: due_in(due_at, now),
        "age": lambda created_at: spoken(now - created_at),
        "categories": runtime.desk.categories,
    }


@router.get("/board", dependencies=[page_needs("cases.read")])
def board(
    request: Request,
    viewer: Viewer,
    runtime: Rt,
    level: Annotated[str, Query(max_length=2)] = "",
    assignee: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    shown = BoardFilter.of(level, assignee)
    return render(request, "board.html", board_context(runtime, viewer, shown=shown))


@router.post("/board/move", dependencies=[page_needs("cases.change")])
def move_card(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    shown = BoardFilter.of(values.get("level", ""), values.get("assignee", ""))
    case = values.get("case", "")
    try:
        if not case.isdigit():
            raise FormRefused({"case": "which case? drop a card"})
        command = parse(
            ChangeCase, {"board_column": values.get("column"), "reason": "moved on the board"}
        )
        try:
            changes = check_change_case(
                runtime.db, viewer.principal, runtime.desk, int(case), command
            )
        except InvalidInput as exc:
            raise FormRefused({"": exc.message}) from None
    except FormRefused as exc:
        problem = "; ".join(exc.errors.values())
        return render(
            request, "_board.html", board_context(runtime, viewer, problem, shown), status=422
        )
    do_change_case(
        runtime.db,
        runtime.clock,
        viewer.principal,
        int(case),
        changes,
        command.reason,
        runtime.desk,
    )
    return render(request, "_board.html", board_context(runtime, viewer, shown=shown))
