"""Playbook versions by content hash, and runs as the API and the CLI show them.

A run reads its playbook from `playbook_versions`, never from the desk it runs under now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import Role
from sopdesk.domain.desk import Desk, Playbook
from sopdesk.domain.playbooks.interpreter import playbook_version
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.macro_context import case_facts, fill, template_context
from sopdesk.errors import NotFound
from sopdesk.store.db import Database, dialect_insert
from sopdesk.store.models import Agent, PlaybookRun, PlaybookVersion

_VERSIONS: dict[str, Playbook] = {}


@dataclass(frozen=True)
class RunView:
    """A run as the API and the CLI show it: where it stands and what it waits for."""

    id: int
    case_id: int
    playbook: str
    version: str
    status: str
    step: str
    step_title: str
    step_kind: str
    waiting_for: str | None
    wait_until: datetime | None
    options: list[str]
    checklist: list[dict[str, Any]]
    outcome: str | None
    variables: dict[str, Any]
    history: list[dict[str, Any]]
    revision: int
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    answers: dict[str, Any]  # connector answers by call step (`answers.<step>`)

    @classmethod
    def of(cls, row: PlaybookRun, playbook: Playbook) -> RunView:
        state = RunState.model_validate(row.state)
        step = playbook.step(state.step)
        ticked = set(state.ticks.get(state.step, ()))
        checklist = (
            [
                {"index": i, "text": item.text, "required": item.required, "ticked": i in ticked}
                for i, item in enumerate(step.checklist.items)
            ]
            if step is not None and step.checklist is not None
            else []
        )
        return cls(
            row.id,
            row.case_id,
            row.playbook,
            row.version,
            row.status,
            state.step,
            (step.title if step else "") or state.step,
            step.kind if step else "",
            row.waiting_for,
            row.wait_until,
            list(state.waiting.options) if state.waiting else [],
            checklist,
            state.outcome,
            dict(state.variables),
            [h.model_dump(mode="json") for h in state.history],
            row.revision,
            row.started_at,
            row.updated_at,
            row.ended_at,
            dict(state.answers),
        )


def store_version(session: Session, playbook: Playbook, now: datetime) -> str:
    """Keeps the playbook's definition under its hash (once) and returns the hash."""
    version = playbook_version(playbook)
    if session.get(PlaybookVersion, version) is None:
        # Two first runs of a new version at the same moment both see no row: the second
        # insert waits on the first one's key and then does nothing, instead of failing.
        definition = playbook.model_dump(mode="json", by_alias=True, exclude_none=True)
        session.execute(
            dialect_insert(session, cast(Table, PlaybookVersion.__table__))
            .values(hash=version, slug=playbook.slug, definition=definition, created_at=now)
            .on_conflict_do_nothing(index_elements=["hash"])
        )
    _VERSIONS.setdefault(version, playbook)
    return version


def version_of(session: Session, version: str) -> Playbook:
    """The playbook a run started with, even if the desk has changed since."""
    if version not in _VERSIONS:
        row = session.get(PlaybookVersion, version)
        if row is None:
            raise NotFound(f"playbook version {version[:12]} is not stored")
        _VERSIONS[version] = Playbook.model_validate(row.definition)
    return _VERSIONS[version]


def load_run(session: Session, principal: Principal, run_id: int, *, lock: bool = False) -> Any:
    query = select(PlaybookRun).where(PlaybookRun.id == run_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no playbook run with id {run_id}")
    case = load_case(session, principal, row.case_id)
    return row, case


def get_run(db: Database, principal: Principal, run_id: int) -> RunView:
    require_staff(principal)
    with db.transaction(write=False) as session:
        row, _ = load_run(session, principal, run_id)
        return RunView.of(row, version_of(session, row.version))


def list_case_runs(db: Database, principal: Principal, case_id: int) -> list[RunView]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        rows = session.scalars(
            select(PlaybookRun).where(PlaybookRun.case_id == case_id).order_by(PlaybookRun.id)
        ).all()
        return [RunView.of(r, version_of(session, r.version)) for r in rows]


def list_waiting_runs(db: Database, *, limit: int = 200) -> list[RunView]:
    """Runs that wait, soonest deadline first (those waiting on a person last)."""
    with db.transaction(write=False) as session:
        rows = session.scalars(
            select(PlaybookRun)
            .where(PlaybookRun.status == "waiting")
            .order_by(PlaybookRun.wait_until.is_(None), PlaybookRun.wait_until, PlaybookRun.id)
            .limit(limit)
        ).all()
        return [RunView.of(r, version_of(session, r.version)) for r in rows]


def may_approve(session: Session, principal: Principal, desk: Desk, step: Any) -> bool:
    """A named approver is that person (or a delegate the desk lists), never just anyone with
    the approver role; an approval by role needs that role."""
    approval = step.approval if step is not None else None
    if principal.has(Role.ADMIN) and not principal.is_agent:
        return True  # the system itself
    if approval is None:
        return True  # not waiting for an approval: do_send_event refuses it with a 409
    if approval.approver is not None:
        named = desk.approvers.get(approval.approver)
        agent = session.get(Agent, principal.id) if principal.id is not None else None
        if named is None or agent is None:
            return False
        allowed = {named.email.lower(), *(d.lower() for d in named.delegates)}
        return agent.email.lower() in allowed
    return principal.has(Role.APPROVER) or approval.role in {r.value for r in principal.roles}


def approval_decider(db: Database, principal: Principal, desk: Desk, run_id: int) -> str | None:
    """None when the principal may decide the run's approval; else who may (for the page)."""
    with db.transaction(write=False) as session:
        row, _ = load_run(session, principal, run_id)
        step = version_of(session, row.version).step(row.step)
        if may_approve(session, principal, desk, step):
            return None
        who = step.approval.approver if step is not None and step.approval else None
        named = desk.approvers.get(who) if who else None
        return named.name if named is not None else "the approver role"


def fill_for_run(
    db: Database, principal: Principal, desk: Desk, run: RunView, template: str, now: datetime
) -> str:
    """A step's text (an approval's question) filled in as the run fills it: the case's facts
    (its order and item: seed 001's V-number and S-number) and the run's recorded values."""
    with db.transaction(write=False) as session:
        case = load_case(session, principal, run.case_id)
        context = template_context(case_facts(session, desk, case, now), run.variables)
    return fill(template, context)
