"""Moving a case to another level by hand (escalate or de-escalate, with a reason), and the
customer history a case page shows: linked accounts and offense counts.

The move itself is the case core's (sopdesk.engine.case_fields): the assignee follows the level.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import MAX_LEVEL, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.offenses import OffenseCount
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.case_fields import set_fields
from sopdesk.engine.linked_accounts import linked_ids
from sopdesk.engine.playbooks import follow_up_changes
from sopdesk.engine.routing import CustomerHistory, offense_history
from sopdesk.engine.timeline import append_event
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database


class Escalate(BaseModel):
    """Move a case to another level (up or down); the reason goes on the timeline."""

    level: int = Field(ge=1, le=MAX_LEVEL)
    reason: str = Field(min_length=1, max_length=1000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def check_escalate_case(
    db: Database, principal: Principal, case_id: int, command: Escalate
) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE)
        if case.level == command.level:
            raise InvalidInput(f"case {case_id} is already at level {command.level}")


def do_escalate_case(
    db: Database,
    clock: Clock,
    principal: Principal,
    case_id: int,
    command: Escalate,
    desk: Desk,
) -> int:
    """Returns the case's new assignee id (0 when no active agent of that level exists)."""
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        old = case.level
        verb = "escalated" if command.level > old else "de-escalated"
        reason = f"{verb} from level {old}: {command.reason}"
        changed = set_fields(
            session, desk, case, {"level": command.level}, principal, now, reason=reason
        )
        append_event(
            session,
            case.id,
            EventKind.ROUTING,
            now,
            principal,
            body=f"level {case.level} because: {reason}",
            data={
                "level": case.level,
                "from": old,
                "assignee_id": case.assignee_id,
                "manual": True,
            },
        )
        follow_up_changes(session, desk, case, changed, now, principal)
        return case.assignee_id or 0


def get_customer_history(
    db: Database, clock: Clock, principal: Principal, desk: Desk, case_id: int
) -> CustomerHistory:
    """The case customer's linked accounts and offense counts now (this case included)."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        case = load_case(session, principal, case_id)
        linked = linked_ids(session, case.customer_id)
        accounts = sorted({case.customer_id, *linked})
        offenses: dict[str, OffenseCount] = offense_history(session, desk, accounts, clock.now())
        return CustomerHistory(case.customer_id, linked, offenses)


__all__ = ["Escalate", "check_escalate_case", "do_escalate_case", "get_customer_history"]
