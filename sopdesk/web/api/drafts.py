"""Drafts a playbook held for a person: list a case's waiting drafts, send or discard one."""

from __future__ import annotations

from fastapi import APIRouter

from sopdesk.engine.drafts import DecideDraft, DraftView, check_decide_draft, do_decide_draft
from sopdesk.engine.drafts import list_drafts as waiting
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(tags=["drafts"])


@router.get(
    "/cases/{case_id}/drafts",
    dependencies=[needs("cases.read")],
    summary="Drafts waiting for review on a case",
)
def list_drafts(case_id: int, caller: Caller, runtime: Rt) -> list[DraftView]:
    return waiting(runtime.db, caller, case_id)


@router.post(
    "/drafts/{draft_id}",
    dependencies=[needs("cases.reply")],
    summary="Send a draft (as edited) or discard it with a reason",
)
def decide_draft(draft_id: int, body: DecideDraft, caller: Caller, runtime: Rt) -> DraftView:
    check_decide_draft(runtime.db, caller, draft_id, body)
    return do_decide_draft(runtime.db, runtime.clock, caller, draft_id, body, runtime.desk)
