"""Playbook versions by content hash, and runs as the API and the CLI show them.

A run reads its playbook from `playbook_versions`, never from the desk it runs under now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from sopdesk.domain.desk import Playbook
from sopdesk.domain.playbooks.interpreter import playbook_version
from sopdesk.domain.playbooks.state import RunState
from sopdesk.errors import NotFound
from sopdesk.store.db import dialect_insert
from sopdesk.store.models import PlaybookRun, PlaybookVersion

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
