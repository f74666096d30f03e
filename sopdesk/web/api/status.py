"""/api/v1/status: open, update and resolve incidents, link cases, schedule maintenance (leads
and admins write; linking a case is for any agent who can see it); read the page as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from sopdesk.engine.customers import require_staff
from sopdesk.engine.status_page import (
    LinkCase,
    OpenIncident,
    ResolveIncident,
    ScheduleMaintenance,
    UpdateIncident,
    check_link_case,
    check_open_incident,
    check_resolve_incident,
    check_schedule_maintenance,
    check_update_incident,
    do_link_case,
    do_open_incident,
    do_resolve_incident,
    do_schedule_maintenance,
    do_update_incident,
)
from sopdesk.engine.status_views import read_status
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/status", tags=["status"])


@router.get("", dependencies=[needs("status.read")], summary="The status page as JSON")
def current(caller: Caller, runtime: Rt) -> dict[str, Any]:
    require_staff(caller)
    return read_status(runtime.db, runtime.desk, runtime.clock.now()).as_json()


@router.post(
    "/incidents",
    dependencies=[needs("status.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Open an incident",
)
def open_incident(body: OpenIncident, caller: Caller, runtime: Rt) -> dict[str, Any]:
    check_open_incident(runtime.desk, caller, body)
    return do_open_incident(runtime.db, runtime.clock, caller, body)


@router.post(
    "/incidents/{incident_id}/updates",
    dependencies=[needs("status.manage")],
    summary="Post a timed update",
)
def update_incident(
    incident_id: int, body: UpdateIncident, caller: Caller, runtime: Rt
) -> dict[str, Any]:
    check_update_incident(runtime.db, runtime.desk, caller, incident_id, body)
    return do_update_incident(runtime.db, runtime.clock, caller, incident_id, body)


@router.post(
    "/incidents/{incident_id}/resolve",
    dependencies=[needs("status.manage")],
    summary="Resolve, optionally answering cases",
)
def resolve_incident(
    incident_id: int, body: ResolveIncident, caller: Caller, runtime: Rt
) -> dict[str, Any]:
    check_resolve_incident(runtime.db, runtime.desk, caller, incident_id, body)
    return do_resolve_incident(runtime.db, runtime.clock, runtime.desk, caller, incident_id, body)


@router.post(
    "/incidents/{incident_id}/cases",
    dependencies=[needs("status.link")],
    summary="Link a case the incident caused",
)
def link_case(incident_id: int, body: LinkCase, caller: Caller, runtime: Rt) -> dict[str, Any]:
    check_link_case(runtime.db, caller, incident_id, body)
    return do_link_case(runtime.db, runtime.clock, caller, incident_id, body)


@router.post(
    "/maintenance",
    dependencies=[needs("status.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Schedule maintenance",
)
def schedule_maintenance(body: ScheduleMaintenance, caller: Caller, runtime: Rt) -> dict[str, Any]:
    check_schedule_maintenance(runtime.desk, caller, body)
    return do_schedule_maintenance(runtime.db, runtime.clock, body)
