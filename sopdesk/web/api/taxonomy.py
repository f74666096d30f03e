"""/api/v1/taxonomy: the desk's categories with their group and owning level."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sopdesk.engine.customers import require_staff
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"])


@router.get(
    "", dependencies=[needs("orders.read")], summary="List the categories of the loaded desk"
)
def taxonomy(caller: Caller, runtime: Rt) -> dict[str, Any]:
    require_staff(caller)
    return {
        "desk_version": runtime.desk.version,
        "items": [
            {"slug": c.slug, "title": c.title, "group": c.group, "level": c.level}
            for c in runtime.desk.categories.values()
        ],
    }
