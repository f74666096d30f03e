"""GET /healthz: is the process up and can it reach its database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

import sopdesk
from sopdesk.web.auth import Rt
from sopdesk.web.permissions import needs

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[needs("public")], summary="Liveness and database check")
def healthz(runtime: Rt) -> dict[str, Any]:
    with runtime.db.transaction(write=False) as session:
        session.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "version": sopdesk.__version__,
        "database": runtime.db.engine.dialect.name,
        "desk_version": runtime.desk.version,
    }
