"""An agent withdraws every customer link of a case issued so far (a link forwarded to the wrong
person, a leaked mail); links sent after that work again. The rule is domain.customer_links.
"""

from __future__ import annotations

from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.timeline import append_event
from sopdesk.store.db import Database


def check_revoke_customer_links(db: Database, principal: Principal, case_id: int) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id, CaseAction.CHANGE)


def do_revoke_customer_links(
    db: Database, clock: Clock, principal: Principal, case_id: int, reason: str
) -> None:
    """Links issued up to now stop opening the case; the timeline says who and why."""
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id, CaseAction.CHANGE, lock=True)
        old = case.links_revoked_at
        case.links_revoked_at = now
        append_event(
            session,
            case.id,
            EventKind.FIELD_CHANGE,
            now,
            principal,
            body=reason or "customer links withdrawn",
            data={
                "field": "links_revoked_at",
                "from": old.isoformat() if old else None,
                "to": now.isoformat(),
            },
        )
