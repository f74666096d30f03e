"""Who may see and change a case: the one access policy every door of sopdesk asks.

Pure: a principal and the facts of a case in, a decision with a reason a person can act on out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sopdesk.domain.cases import ActorKind, EventKind, Role, can_see_level, highest_level_seen
from sopdesk.domain.principal import Principal


class CaseAction(StrEnum):
    SEE = "see"
    CHANGE = "change"
    CLEAR_SPAM = "clear-spam"  # seed 002: clearing spam is a level-2 duty


@dataclass(frozen=True)
class CaseAccess:
    """The facts of a case the policy reads."""

    case_id: int
    level: int
    partner_id: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


ALLOWED = Decision(True)
SPAM_LEVEL = 2


def decide_case_access(principal: Principal, case: CaseAccess, action: CaseAction) -> Decision:
    """Staff see and change the cases of the levels they see (seed 002: each level handles
    "anything from the levels below AND ..."); customers and partners reach a case only
    through their own doors (the signed link, the partner task), never as staff."""
    if principal.kind is ActorKind.SYSTEM:
        return ALLOWED
    if principal.kind is not ActorKind.AGENT:
        return Decision(False, "only agents can do this")
    if not can_see_level(principal.level, principal.roles, case.level):
        return Decision(
            False,
            f"case {case.case_id} is at level {case.level}; your level ({principal.level}) "
            "cannot open it",
        )
    leads = principal.has(Role.LEAD) or principal.has(Role.ADMIN)
    if action is CaseAction.CLEAR_SPAM and principal.level < SPAM_LEVEL and not leads:
        return Decision(False, "closing a case as spam needs level 2 or above")
    return ALLOWED


NO_LEVEL = 0  # below every case level: what a principal who is not staff sees in a list


def visible_level_ceiling(principal: Principal) -> int | None:
    """The highest case level a principal's case lists show (None: every level), by the rule
    of `decide_case_access`: the system sees all, agents by `can_see_level`, and customers and
    partners no staff list at all."""
    if principal.kind is ActorKind.SYSTEM:
        return None
    if principal.kind is not ActorKind.AGENT:
        return NO_LEVEL
    return highest_level_seen(principal.level, principal.roles)


def may_work_level(agent_level: int, roles: frozenset[Role], case_level: int) -> bool:
    """Whether an agent can be the assignee of a case at `case_level` (they must open it)."""
    return can_see_level(agent_level, roles, case_level)


CUSTOMER = "customer"


def customer_sees_event(
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    data: dict[str, object],
    case_customer_id: int,
) -> bool:
    """Whether the case's customer, behind their signed link, sees this timeline entry: their
    own messages and the desk's messages to them; never notes, routing, playbook internals,
    mail to the shop or to another customer, or what the shop or another customer wrote."""
    if kind == EventKind.CASE_CREATED.value:
        return True
    if kind == EventKind.MESSAGE_OUT.value:
        return data.get("recipient", CUSTOMER) == CUSTOMER
    if kind != EventKind.MESSAGE_IN.value or "task_id" in data:
        return False
    if actor_kind == ActorKind.CUSTOMER.value:
        return actor_id == case_customer_id
    # A message an agent logged (a call, a letter) or one that arrived with the case.
    return actor_kind in (ActorKind.AGENT.value, ActorKind.SYSTEM.value)
