"""/api/v1/search: cases, customers and orders by words, phrases or a reference, filtered."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from sopdesk.engine.customers import phone_region
from sopdesk.engine.search import MAX_ID, SearchRequest, SearchResults, search
from sopdesk.errors import InvalidInput
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/search", tags=["search"])


@router.get(
    "",
    dependencies=[needs("customers.read")],
    summary="Search cases, messages, customers and orders",
)
def search_everything(
    caller: Caller,
    runtime: Rt,
    q: Annotated[
        str,
        Query(
            max_length=1000,
            description='words, "a phrase", #case, e-mail, phone, order or tracking number',
        ),
    ],
    status: str | None = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    created_from: date | None = None,
    created_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    """Cases only where the caller may open them (their level), newest first; exact references
    (case number, order, customer identity) before full-text matches. Snippets come as parts
    with `hit: true` on the matched words."""
    try:
        request = SearchRequest(
            q=q,
            status=status,
            level=level,
            category=category,
            assignee_id=assignee_id,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
        )
    except ValidationError as exc:
        errors = [{"loc": ["query", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
        raise InvalidInput(str(errors[0]["msg"]), errors=errors) from None
    return search(runtime.db, caller, phone_region(runtime.desk), request)
