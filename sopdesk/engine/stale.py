"""Stale macros and SOPs: macros that agents edit heavily before sending, playbook steps at
which runs are stopped most, and checklist items ticked with their value left blank, flagged
for review above the desk's `review` thresholds, with examples. Macros and stops are counted by
the database; blank values are read from the newest runs' states (JSON). Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.playbook_views import version_of
from sopdesk.engine.report_sql import json_text
from sopdesk.store.db import Database
from sopdesk.store.models import CaseEvent, PlaybookRun

EXAMPLES = 3


@dataclass(frozen=True)
class Example:
    case_id: int
    share: float
    text: str


@dataclass(frozen=True)
class MacroUse:
    macro: str
    sends: int
    mean_share: float  # words changed, as a share, on average
    flagged: bool
    examples: list[Example] = field(default_factory=list)


@dataclass(frozen=True)
class StepStops:
    playbook: str
    step: str
    stopped: int
    runs: int  # runs of the playbook
    flagged: bool
    examples: list[int] = field(default_factory=list)  # case ids

    @property
    def share(self) -> float:
        return self.stopped / self.runs if self.runs else 0.0


@dataclass(frozen=True)
class BlankTicks:
    """A checklist item that records values, ticked with a value left blank."""

    playbook: str
    step: str
    item: str
    ticked: int
    blank: int
    flagged: bool
    examples: list[int] = field(default_factory=list)  # case ids


@dataclass(frozen=True)
class Review:
    macros: list[MacroUse]
    steps: list[StepStops]
    blanks: list[BlankTicks] = field(default_factory=list)


RUNS_READ = 5000  # the newest runs read for blank values (their state is JSON, read here)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def blank_ticks(session: Session, desk: Desk) -> list[BlankTicks]:
    """Items with `record` fields of the newest runs: how often ticked, how often blank."""
    counts: dict[tuple[str, str, str], list[Any]] = {}
    rows = session.execute(
        select(PlaybookRun.case_id, PlaybookRun.version, PlaybookRun.state)
        .order_by(PlaybookRun.id.desc())
        .limit(RUNS_READ)
    )
    for case_id, version, raw in rows:
        state = RunState.model_validate(raw)
        playbook = version_of(session, version)
        for step_id, ticked in state.ticks.items():
            step = playbook.step(step_id)
            if step is None or step.checklist is None:
                continue
            for i in ticked:
                if i >= len(step.checklist.items) or not step.checklist.items[i].record:
                    continue
                item = step.checklist.items[i]
                entry = counts.setdefault((playbook.slug, step_id, item.text), [0, 0, []])
                entry[0] += 1
                if any(_blank(state.variables.get(name)) for name in item.record):
                    entry[1] += 1
                    if len(entry[2]) < EXAMPLES:
                        entry[2].append(int(case_id))
    policy = desk.review
    found = [
        BlankTicks(
            pb,
            step,
            item,
            n,
            blank,
            n >= policy.min_uses and blank / n >= policy.blank_value_share,
            examples,
        )
        for (pb, step, item), (n, blank, examples) in counts.items()
        if blank
    ]
    return sorted(found, key=lambda b: (-b.blank / b.ticked, b.playbook, b.step))


def review_desk(db: Database, principal: Principal, desk: Desk) -> Review:
    """Admins only. Macros by their mean edit share, steps by how many runs stopped there."""
    require(principal, "desk.admin")
    policy = desk.review
    e = CaseEvent
    with db.transaction(write=False) as session:
        macro = json_text(session, e.data, "macro")
        share = cast(json_text(session, e.data, "macro_edit_share"), Float)
        rows = session.execute(
            select(macro, func.count(), func.avg(share))
            .where(e.kind == EventKind.MESSAGE_OUT.value, macro.is_not(None), share.is_not(None))
            .group_by(macro)
            .order_by(func.avg(share).desc(), macro)
        ).all()
        macros = []
        for slug, sends, mean in rows:
            flagged = int(sends) >= policy.min_uses and float(mean) >= policy.macro_edit_share
            examples = []
            if flagged:
                for case_id, s, body in session.execute(
                    select(e.case_id, share, e.body)
                    .where(e.kind == EventKind.MESSAGE_OUT.value, macro == slug, share.is_not(None))
                    .order_by(share.desc(), e.id)
                    .limit(EXAMPLES)
                ):
                    examples.append(Example(int(case_id), float(s), (body or "")[:400]))
            macros.append(MacroUse(str(slug), int(sends), round(float(mean), 3), flagged, examples))
        runs = dict(
            session.execute(
                select(PlaybookRun.playbook, func.count()).group_by(PlaybookRun.playbook)
            ).all()
        )
        stops = session.execute(
            select(PlaybookRun.playbook, PlaybookRun.step, func.count())
            .where(PlaybookRun.status == "stopped")
            .group_by(PlaybookRun.playbook, PlaybookRun.step)
            .order_by(func.count().desc(), PlaybookRun.playbook, PlaybookRun.step)
        ).all()
        steps = []
        for playbook, step, n in stops:
            total = int(runs.get(playbook, 0))
            flagged = total >= policy.min_uses and int(n) / total >= policy.step_stop_share
            cases = list(
                session.scalars(
                    select(PlaybookRun.case_id)
                    .where(
                        PlaybookRun.status == "stopped",
                        PlaybookRun.playbook == playbook,
                        PlaybookRun.step == step,
                    )
                    .order_by(PlaybookRun.id.desc())
                    .limit(EXAMPLES)
                )
            )
            steps.append(StepStops(str(playbook), str(step), int(n), total, flagged, cases))
        blanks = blank_ticks(session, desk)
    return Review(macros, steps, blanks)
