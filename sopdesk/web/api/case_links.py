"""/api/v1/cases/{id}/links, /merge, /split: cases that belong together, as on the case page.

Link a related case, merge a duplicate into this case (the duplicate is closed and points here,
the timelines read as one), split a customer's message off into a new case. The engine pairs
are in engine/case_links.py; bad input is a 422 problem, a conflict a 409, and nothing changes.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from sopdesk.engine.case_links import (
    CaseLinkView,
    LinkCases,
    SplitMessage,
    check_link_cases,
    check_split_message,
    do_link_cases,
    do_split_message,
    list_case_links,
)
from sopdesk.engine.case_views import CaseView, get_case
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/cases", tags=["cases"])


class RelatedCase(BaseModel):
    other_id: int = Field(ge=1, description="the number of the related case")
    reason: str = Field(default="", max_length=500, description="shown on both timelines")


class MergeDuplicate(BaseModel):
    duplicate_id: int = Field(
        ge=1, description="the duplicate case: it is closed and points to this one"
    )
    reason: str = Field(default="", max_length=500, description="shown on both timelines")


@router.get(
    "/{case_id}/links",
    dependencies=[needs("cases.read")],
    summary="The cases linked with this one (related, merged, split)",
)
def links(case_id: int, caller: Caller, runtime: Rt) -> list[CaseLinkView]:
    return list_case_links(runtime.db, caller, case_id)


@router.post(
    "/{case_id}/links",
    dependencies=[needs("cases.change")],
    status_code=status.HTTP_201_CREATED,
    summary="Link a related case (a note on both timelines)",
)
def link(case_id: int, body: RelatedCase, caller: Caller, runtime: Rt) -> list[CaseLinkView]:
    command = LinkCases(other_id=body.other_id, kind="related", reason=body.reason)
    check_link_cases(runtime.db, caller, case_id, command)
    do_link_cases(runtime.db, runtime.clock, runtime.desk, caller, case_id, command)
    return list_case_links(runtime.db, caller, case_id)


@router.post(
    "/{case_id}/merge",
    dependencies=[needs("cases.change")],
    summary="Merge a duplicate case into this one",
)
def merge(case_id: int, body: MergeDuplicate, caller: Caller, runtime: Rt) -> CaseView:
    """The duplicate is closed with a note pointing here; this case's timeline shows both."""
    command = LinkCases(other_id=case_id, kind="merged", reason=body.reason)
    check_link_cases(runtime.db, caller, body.duplicate_id, command)
    do_link_cases(runtime.db, runtime.clock, runtime.desk, caller, body.duplicate_id, command)
    return get_case(runtime.db, caller, case_id)


@router.post(
    "/{case_id}/split",
    dependencies=[needs("cases.change")],
    status_code=status.HTTP_201_CREATED,
    summary="Split a customer's message off into a new case (same customer and order)",
)
def split(case_id: int, body: SplitMessage, caller: Caller, runtime: Rt) -> CaseView:
    check_split_message(runtime.db, caller, case_id, body)
    new_id = do_split_message(runtime.db, runtime.clock, runtime.desk, caller, case_id, body)
    return get_case(runtime.db, caller, new_id)
