"""/api/v1/cases: create from an inbound contact, list, read, timeline, change, add messages,
withdraw the customer links sent so far."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from sopdesk.domain.cases import CaseStatus
from sopdesk.engine.cases import (
    AddMessage,
    CaseView,
    ChangeCase,
    CreateCase,
    SetCaseItems,
    check_add_message,
    check_change_case,
    check_create_case,
    check_macro,
    check_set_case_items,
    do_add_message,
    do_change_case,
    do_create_case,
    do_set_case_items,
    get_case,
    load_case,
)
from sopdesk.engine.customer_links import check_revoke_customer_links, do_revoke_customer_links
from sopdesk.engine.customers import require_staff
from sopdesk.engine.queues import MAX_PAGE, CaseFilter, CaseSort, decode_cursor, encode_cursor
from sopdesk.engine.queues import list_cases as query_cases
from sopdesk.engine.timeline import EventView, read_timeline
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/cases", tags=["cases"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")]


class CasePage(BaseModel):
    items: list[CaseView]
    next_cursor: str | None


class EventPage(BaseModel):
    items: list[EventView]
    next_cursor: str | None


class Created(BaseModel):
    id: int
    kind: str
    at: Any


@router.post(
    "",
    dependencies=[needs("cases.create")],
    status_code=status.HTTP_201_CREATED,
    summary="Create a case from a contact",
)
def create_case(body: CreateCase, caller: Caller, runtime: Rt) -> CaseView:
    plan = check_create_case(runtime.db, caller, runtime.desk, body)
    return do_create_case(runtime.db, runtime.clock, runtime.desk, caller, body, plan)


@router.get("", dependencies=[needs("cases.read")], summary="List cases visible to the caller")
def list_cases(
    caller: Caller,
    runtime: Rt,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    category: str | None = None,
    assignee_id: int | None = None,
    column: str | None = None,
    sort: CaseSort = CaseSort.NEWEST,
    limit: Limit = 50,
    cursor: str | None = None,
) -> CasePage:
    where = CaseFilter(
        status=[s.value for s in status] if status else None,
        level=level,
        category=category,
        assignee_id=assignee_id,
        board_column=column,
    )
    page = query_cases(runtime.db, caller, where, sort=sort, limit=limit, cursor=cursor)
    return CasePage(items=page.items, next_cursor=page.next_cursor)


@router.get("/{case_id}", dependencies=[needs("cases.read")], summary="Read one case")
def read_case(case_id: int, caller: Caller, runtime: Rt) -> CaseView:
    return get_case(runtime.db, caller, case_id)


@router.get(
    "/{case_id}/timeline",
    dependencies=[needs("cases.read")],
    summary="A case's timeline, oldest first",
)
def timeline(
    case_id: int, caller: Caller, runtime: Rt, limit: Limit = 100, cursor: str | None = None
) -> EventPage:
    require_staff(caller)
    after = decode_cursor(cursor)["id"] if cursor else None
    with runtime.db.transaction(write=False) as session:
        load_case(session, caller, case_id)
        events = read_timeline(session, case_id, limit=limit + 1, after_id=after)
    more = len(events) > limit
    items = events[:limit]
    return EventPage(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


@router.patch(
    "/{case_id}",
    dependencies=[needs("cases.change")],
    summary="Change fields; each change is a timeline event",
)
def change_case(case_id: int, body: ChangeCase, caller: Caller, runtime: Rt) -> CaseView:
    changes = check_change_case(runtime.db, caller, runtime.desk, case_id, body)
    return do_change_case(
        runtime.db, runtime.clock, caller, case_id, changes, body.reason, runtime.desk
    )


class CaseItems(BaseModel):
    items: list[dict[str, Any]]


@router.put(
    "/{case_id}/items",
    dependencies=[needs("cases.change")],
    summary="Say which lines of its order the case is about (a timeline event when they change)",
)
def set_items(case_id: int, body: SetCaseItems, caller: Caller, runtime: Rt) -> CaseItems:
    check_set_case_items(runtime.db, caller, case_id, body)
    chosen = do_set_case_items(runtime.db, runtime.clock, caller, case_id, body, runtime.desk)
    return CaseItems(items=chosen)


@router.post(
    "/{case_id}/messages",
    dependencies=[needs("cases.reply")],
    status_code=status.HTTP_201_CREATED,
    summary="Add a reply, a logged inbound message, an internal note or a phone call",
)
def add_message(case_id: int, body: AddMessage, caller: Caller, runtime: Rt) -> Created:
    check_macro(runtime.desk, body)
    check_add_message(runtime.db, caller, case_id, body)
    added = do_add_message(runtime.db, runtime.clock, caller, case_id, body, runtime.desk)
    return Created(**added)


class RevokeLinks(BaseModel):
    reason: str = Field(default="", max_length=500, description="shown on the timeline")


@router.post(
    "/{case_id}/customer-links/revoke",
    dependencies=[needs("cases.change")],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Withdraw every customer link of the case sent so far; links sent later work",
)
def revoke_customer_links(case_id: int, body: RevokeLinks, caller: Caller, runtime: Rt) -> None:
    check_revoke_customer_links(runtime.db, caller, case_id)
    do_revoke_customer_links(runtime.db, runtime.clock, caller, case_id, body.reason)
