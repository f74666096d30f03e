"""The access check of every door: load a case only for a principal the policy allows.

The decision is sopdesk.domain.access.decide_case_access; this module loads and refuses, and
`visible_cases` is the same rule as a query filter for every list of cases.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sopdesk.domain.access import (
    CaseAccess,
    CaseAction,
    decide_case_access,
    visible_level_ceiling,
)
from sopdesk.domain.policy import allows, refusal
from sopdesk.domain.principal import Principal
from sopdesk.errors import Forbidden, NotFound
from sopdesk.store.models import Case

Q = TypeVar("Q", bound=Select[Any])


def visible_cases(query: Q, principal: Principal) -> Q:
    """`query` (which selects from or joins `cases`) narrowed to the cases the principal may
    see: the SQL form of sopdesk.domain.access's rule, the one filter of every case list."""
    highest = visible_level_ceiling(principal)
    return query if highest is None else query.where(Case.level <= highest)


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("only agents can do this")


def require(principal: Principal, permission: str) -> None:
    """Refuses a principal the policy (sopdesk.domain.policy) does not give the permission."""
    if not allows(permission, principal):
        raise Forbidden(refusal(permission))


def check_case_access(principal: Principal, case: Case, action: CaseAction) -> None:
    decision = decide_case_access(
        principal, CaseAccess(case.id, case.level, case.partner_id), action
    )
    if not decision.allowed:
        raise Forbidden(decision.reason)


def load_case(
    session: Session,
    principal: Principal,
    case_id: int,
    action: CaseAction = CaseAction.SEE,
    *,
    lock: bool = False,
) -> Case:
    """The case, if it exists and the principal may do `action` to it (404 / 403 otherwise).
    `lock` takes the row lock (FOR UPDATE on PostgreSQL) for a change."""
    query = select(Case).where(Case.id == case_id)
    case = session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    check_case_access(principal, case, action)
    return case
