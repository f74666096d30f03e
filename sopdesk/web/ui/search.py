"""The console's search results page: the box in every page's header submits here.

The engine searches (engine/search.py); this page reads the filters and shows what it found.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.customers import phone_region
from sopdesk.engine.search import OPEN, SearchRequest, SearchResults, search
from sopdesk.web.ui.queue import visible_levels
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FILTERS = ("q", "status", "level", "category", "assignee", "from", "to")


@router.get("/search", dependencies=[page_needs("customers.read")])
def search_page(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    values = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    error = ""
    results = SearchResults(values["q"], [], [], [])
    status = 200
    try:
        command = SearchRequest.model_validate(
            {
                "q": values["q"],
                "status": values["status"] or None,
                "level": values["level"] or None,
                "category": values["category"] or None,
                "assignee_id": viewer.id if values["assignee"] == "me" else None,
                "created_from": values["from"] or None,
                "created_to": values["to"] or None,
                "limit": 50,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = {"created_from": "from", "created_to": "to"}.get(
            str(first["loc"][0]), str(first["loc"][0])
        )
        error = f"{field}: {first['msg']}"
        status = 422
    else:
        if command.q:
            results = search(runtime.db, viewer.principal, phone_region(runtime.desk), command)
    return render(
        request,
        "search.html",
        {
            "viewer": viewer,
            "values": values,
            "results": results,
            "error": error,
            "levels": visible_levels(viewer),
            "statuses": [OPEN, *(s.value for s in CaseStatus)],
            "desk": runtime.desk,
        },
        status=status,
    )
