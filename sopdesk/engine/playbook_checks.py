"""Authorising playbook commands before they run: who may start a run or send it an event.

check_* reads and raises (Forbidden, InvalidInput, Conflict); the do_* of
sopdesk/engine/playbooks.py applies, deciding under the run's lock whether the event fits.
"""

from __future__ import annotations

from sopdesk.domain.desk import Desk, Playbook
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.playbook_views import load_run, may_approve, version_of
from sopdesk.engine.playbooks import StartRun, active_run
from sopdesk.errors import Conflict, Forbidden, InvalidInput
from sopdesk.store.db import Database


def check_start_run(
    db: Database, principal: Principal, desk: Desk, case_id: int, command: StartRun
) -> Playbook:
    require_staff(principal)
    playbook = desk.playbooks.get(command.playbook)
    if playbook is None:
        known = ", ".join(sorted(desk.playbooks)) or "none"
        raise InvalidInput(f"no playbook '{command.playbook}' in the desk (known: {known})")
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        if active_run(session, case_id, playbook.slug):
            raise Conflict(f"playbook '{playbook.slug}' already runs on case {case_id}")
    return playbook


def check_send_event(
    db: Database, principal: Principal, desk: Desk, run_id: int, event: ev._Event
) -> None:
    """Authorises an event; whether it fits the run is decided under the run's lock in do_."""
    require_staff(principal)
    if isinstance(event, ev.ConnectorAnswered):
        raise Forbidden("only the connector answers a call; the worker records its answer")
    with db.transaction(write=False) as session:
        row, _ = load_run(session, principal, run_id)
        if isinstance(event, ev.Approved | ev.Rejected):
            step = version_of(session, row.version).step(row.step)
            if not may_approve(session, principal, desk, step):
                who = step.approval.approver if step and step.approval else None
                named = desk.approvers.get(who) if who else None
                raise Forbidden(
                    f"only {named.name} (or a delegate the desk names) can decide this approval"
                    if named is not None
                    else "deciding this approval needs the approver role"
                )
            if isinstance(event, ev.Rejected) and not event.comment.strip():
                raise InvalidInput(
                    "a rejection needs a reason: say what is wrong, so the case's agent can "
                    "tell the customer",
                    errors=[{"loc": ["body", "comment"], "msg": "give a reason"}],
                )
