"""The board: the desk's columns with the open cases in each, and moving a card between them.

A move is the engine's do_change_case on `board_column`, so it lands on the case's timeline.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.engine.queues import CaseFilter, CaseSort, list_cases
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.forms import FormRefused, parse, text_fields
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CARDS_PER_COLUMN = 50
OPEN = [s.value for s in CaseStatus if s.is_open]


def board_context(runtime: Rt, viewer: AgentViewer, problem: str = "") -> dict[str, object]:
    lanes = []
    for column in runtime.desk.columns:
        page = list_cases(
            runtime.db,
            viewer.principal,
            CaseFilter(status=OPEN, board_column=column.slug),
            sort=CaseSort.DUE,
            limit=CARDS_PER_COLUMN,
        )
        lanes.append((column, page))
    return {"viewer": viewer, "lanes": lanes, "problem": problem}


@router.get("/board")
def board(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    return render(request, "board.html", board_context(runtime, viewer))


@router.post("/board/move")
def move_card(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
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
        return render(request, "_board.html", board_context(runtime, viewer, problem), status=422)
    do_change_case(
        runtime.db,
        runtime.clock,
        viewer.principal,
        int(case),
        changes,
        command.reason,
        runtime.desk,
    )
    return render(request, "_board.html", board_context(runtime, viewer))
