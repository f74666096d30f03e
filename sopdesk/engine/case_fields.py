"""The case core's one way to change a case's fields, whoever asks (API, console, board, playbook,
SLA timer, CLI): each change is a timeline event, and what follows is decided here, once.

Status moves the SLA clocks; category and signals re-route by the matrix (the offense counted);
a new level re-chooses the assignee; priority, category and level re-target the clocks.
Starting the playbooks a change triggers is the caller's (sopdesk.engine.playbooks).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sopdesk.domain.access import may_work_level
from sopdesk.domain.cases import CaseStatus, EventKind, Priority, Role
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine import sla
from sopdesk.engine.routing import decide_routing, least_loaded_agent
from sopdesk.engine.sla_notify import run_clock_actions
from sopdesk.engine.timeline import append_event
from sopdesk.errors import InvalidInput
from sopdesk.store.models import Agent, Case

# The order changes are applied in: a status first (clocks), the routing facts next, then
# where the case goes and who has it.
FIELDS = (
    "status",
    "priority",
    "category",
    "signals",
    "level",
    "assignee_id",
    "board_column",
    "tags",
)
LISTS = ("signals", "tags")
_RETARGET = frozenset({"priority", "category", "level"})


def _stored(name: str, value: Any) -> Any:
    if isinstance(value, CaseStatus | Priority):
        return value.value
    if name in LISTS:
        return sorted(set(value or []))
    return value


def check_assignee(session: Session, agent_id: int, level: int) -> Agent:
    """The agent, if active and able to open a case of this level (no case is left with an
    agent who cannot open it)."""
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise InvalidInput(
            f"no active agent with id {agent_id}",
            errors=[{"loc": ["body", "assignee_id"], "msg": "no such active agent"}],
        )
    if not may_work_level(agent.level, frozenset(Role(r) for r in agent.roles or []), level):
        raise InvalidInput(
            f"{agent.name} works level {agent.level} and cannot open a level-{level} case; "
            "choose an agent of that level or escalate first",
            errors=[{"loc": ["body", "assignee_id"], "msg": "agent cannot open this level"}],
        )
    return agent


def set_fields(
    session: Session,
    desk: Desk,
    case: Case,
    changes: Mapping[str, Any],
    actor: Principal,
    now: datetime,
    *,
    reason: str | None = None,
) -> set[str]:
    """Applies `changes` (field name: new value) to a loaded case inside the caller's
    transaction and everything that follows from them; returns the names that changed
    (including those that re-routing changed)."""
    changed: set[str] = set()
    old_status = case.status
    for name in FIELDS:
        if name not in changes:
            continue
        if _write(session, case, name, _stored(name, changes[name]), actor, now, reason):
            changed.add(name)
    if not changed:
        return changed
    if "status" in changed:
        sla.on_status_change(session, desk, case, old_status, case.status, now)
    if changed & {"category", "signals"}:
        changed |= reroute(session, desk, case, actor, now, keep_level="level" in changes)
    if "level" in changed and "assignee_id" not in changes:
        changed |= reassign(session, case, actor, now)
    if changed & _RETARGET:
        for row in sla.retarget_clocks(session, desk, case, now):
            policy = next((p for p in desk.sla_policies if p.id == row.policy), None)
            if policy is not None:
                run_clock_actions(session, desk, case, row, policy.on_start, "start", now)
    case.updated_at = now
    return changed


def _write(
    session: Session,
    case: Case,
    name: str,
    new: Any,
    actor: Principal,
    now: datetime,
    reason: str | None,
) -> bool:
    old = getattr(case, name)
    if (sorted(old or []) if name in LISTS else old) == new:
        return False
    setattr(case, name, new)
    if name == "priority":
        case.priority_rank = Priority(new).rank
    if name == "status":
        case.closed_at = None if CaseStatus(new).is_open else now
    append_event(
        session,
        case.id,
        EventKind.FIELD_CHANGE,
        now,
        actor,
        body=reason,
        data={"field": name, "from": old, "to": new},
    )
    return True


def reroute(
    session: Session,
    desk: Desk,
    case: Case,
    actor: Principal,
    now: datetime,
    *,
    keep_level: bool = False,
) -> set[str]:
    """Routes the case again by the matrix after its category or signals changed (its offense
    counted with the customer's linked accounts) and explains it on the timeline. Automation
    never lowers a level: a case a person moved up stays up until a person moves it down."""
    decision, history = decide_routing(session, desk, case, case.signals or [], now)
    changed: set[str] = set()
    matrix = decision.category
    if matrix is not None and _write(session, case, "category", matrix, actor, now, "matrix"):
        changed.add("category")
    level = decision.level if keep_level else max(case.level, decision.level)
    explanation = decision.explanation
    if level != decision.level:
        explanation += f"; kept at level {level}, where a person put it"
    append_event(
        session,
        case.id,
        EventKind.ROUTING,
        now,
        actor,
        body=explanation,
        data={
            "level": level,
            "category": case.category,
            "rules": list(decision.rules),
            "linked_customer_ids": history.linked_customer_ids,
            "offenses": {k: c.count for k, c in history.offenses.items()},
            "rerouted": True,
        },
    )
    if not keep_level and _write(session, case, "level", level, actor, now, "escalation matrix"):
        changed.add("level")
    return changed


def reassign(session: Session, case: Case, actor: Principal, now: datetime) -> set[str]:
    """A case that changed level goes to the least-loaded agent of its new level, or into
    that level's queue when there is none."""
    agent = least_loaded_agent(session, case.level)
    new = agent[0] if agent is not None else None
    if new == case.assignee_id:
        return set()
    why = (
        f"level {case.level}: assigned to agent {agent[0]} (fewest open cases at level "
        f"{case.level}: {agent[1]})"
        if agent is not None
        else f"level {case.level}: no active agent at this level, so in the level's queue"
    )
    _write(session, case, "assignee_id", new, actor, now, why)
    return {"assignee_id"}
