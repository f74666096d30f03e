"""/api/v1/callouts: the trend callouts of the hourly and daily jobs, newest first.
Agents of level 2+, leads and admins only (the readers of reports)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query

from sopdesk.engine.callouts import list_callouts
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/callouts", tags=["reports"])


@router.get("", dependencies=[needs("reports.read")], summary="List trend callouts (newest first)")
def callouts(
    caller: Caller, runtime: Rt, limit: int = Query(default=100, ge=1, le=1000)
) -> dict[str, Any]:
    found = list_callouts(runtime.db, caller, limit)
    return {"items": [asdict(c) for c in found]}
