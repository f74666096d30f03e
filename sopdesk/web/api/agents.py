"""/api/v1/agents: list (leads, approvers, admins), create and update (admins)."""

from __future__ import annotations

from fastapi import APIRouter, status

from sopdesk.engine.accounts import (
    AgentView,
    CreateAgent,
    UpdateAgent,
    check_create_agent,
    check_update_agent,
    do_create_agent,
    do_update_agent,
    list_agents,
)
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/agents", tags=["agents"])


@router.get("", dependencies=[needs("agents.read")], summary="List agents")
def agents(caller: Caller, runtime: Rt) -> list[AgentView]:
    return list_agents(runtime.db, caller)


@router.post(
    "",
    dependencies=[needs("agents.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Add an agent",
)
def create_agent(body: CreateAgent, caller: Caller, runtime: Rt) -> AgentView:
    check_create_agent(runtime.db, caller, body)
    return do_create_agent(runtime.db, runtime.clock, body)


@router.patch(
    "/{agent_id}",
    dependencies=[needs("agents.manage")],
    summary="Change an agent's name, level, roles, password or status",
)
def update_agent(agent_id: int, body: UpdateAgent, caller: Caller, runtime: Rt) -> AgentView:
    check_update_agent(runtime.db, caller, agent_id, body)
    return do_update_agent(runtime.db, agent_id, body)
