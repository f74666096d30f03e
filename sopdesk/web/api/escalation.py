"""/api/v1/cases/{id}: manual escalation, the customer's offense history, and SLA clocks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from sopdesk.engine.cases import load_case
from sopdesk.engine.customers import require_staff
from sopdesk.engine.escalation import (
    Escalate,
    check_escalate_case,
    do_escalate_case,
    get_customer_history,
)
from sopdesk.engine.sla_views import ClockView, read_clocks
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post(
    "/{case_id}/escalate",
    dependencies=[needs("cases.change")],
    summary="Escalate or de-escalate a case with a reason",
)
def escalate(case_id: int, body: Escalate, caller: Caller, runtime: Rt) -> dict[str, Any]:
    """The case may leave the caller's sight when it goes above their level; the answer says
    where it went and to whom, not the case itself."""
    check_escalate_case(runtime.db, caller, case_id, body)
    assignee = do_escalate_case(runtime.db, runtime.clock, caller, case_id, body, runtime.desk)
    return {"id": case_id, "level": body.level, "assignee_id": assignee or None}


@router.get(
    "/{case_id}/customer-history",
    dependencies=[needs("cases.read")],
    summary="Linked accounts and offenses of the customer",
)
def customer_history(case_id: int, caller: Caller, runtime: Rt) -> dict[str, Any]:
    history = get_customer_history(runtime.db, runtime.clock, caller, runtime.desk, case_id)
    return {
        "customer_id": history.customer_id,
        "linked_customer_ids": history.linked_customer_ids,
        "offenses": [
            {**asdict(c), "window": None, "window_days": c.window.days, "summary": c.summary}
            for c in history.offenses.values()
        ],
    }


@router.get("/{case_id}/sla", dependencies=[needs("cases.read")], summary="The case's SLA clocks")
def sla_clocks(case_id: int, caller: Caller, runtime: Rt) -> list[ClockView]:
    require_staff(caller)
    with runtime.db.transaction(write=False) as session:
        load_case(session, caller, case_id)
        return read_clocks(session, case_id)
