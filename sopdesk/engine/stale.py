"""Stale macros and SOPs: macros that agents edit heavily before sending, playbook steps at
which runs are stopped most, steps that are skipped (their wait ran out: the customer's answer,
the decision or the shop's task never came) or overridden (an agent recorded the customer's yes
or no, or did the shop's task), and checklist items ticked with their value left blank, flagged
for review above the desk's `review` thresholds, with examples. Macros and stops are counted by
the database; skips, overrides and blank values are read from the newest runs' states (JSON).
Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, EventKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.playbook import Playbook
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
class StepSkips:
    """A step of the newest runs: how many runs entered it, how many of them skipped it (its
    wait ran out) and how many had an agent override it (do the customer's or shop's part)."""

    playbook: str
    step: str
    runs: int
    skipped: int
    overridden: int
    flagged: bool
    examples: list[int] = field(default_factory=list)  # case ids


@dataclass(frozen=True)
class Review:
    macros: list[MacroUse]
    steps: list[StepStops]
    blanks: list[BlankTicks] = field(default_factory=list)
    skips: list[StepSkips] = field(default_factory=list)


RUNS_READ = 5000  # the newest runs read for skips and blank values (their state is JSON)
AGENT = f"{ActorKind.AGENT.value}:"
Runs = list[tuple[int, Playbook, RunState]]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def newest_runs(session: Session) -> Runs:
    """(case, playbook version, state) of the newest RUNS_READ runs."""
    rows = session.execute(
        select(PlaybookRun.case_id, PlaybookRun.version, PlaybookRun.state)
        .order_by(PlaybookRun.id.desc())
        .limit(RUNS_READ)
    )
    return [
        (int(case_id), version_of(session, version), RunState.model_validate(raw))
        for case_id, version, raw in rows
    ]


def _overridden(playbook: Playbook, step_id: str, by: str | None, kind: str, what: str) -> bool:
    """An agent did another party's part: recorded the customer's yes or no on a confirm step,
    or marked a task for the shop done."""
    if not (by or "").startswith(AGENT):
        return False
    if kind == "confirm":
        return what.startswith("the customer said")
    step = playbook.step(step_id)
    return (
        kind == "task"
        and what == "task done"
        and bool(step and step.task and step.task.to == "partner")
    )


def step_skips(runs: Runs, desk: Desk) -> list[StepSkips]:
    """Per playbook step of `runs`: runs that entered it, skipped it, overrode it (a run counts
    once per step)."""
    counts: dict[tuple[str, str], list[Any]] = {}  # entered, skipped, overridden, examples
    for case_id, playbook, state in runs:
        skipped: set[str] = set()
        overridden: set[str] = set()
        for e in state.history:
            if e.ran_out:
                skipped.add(e.step)
            elif _overridden(playbook, e.step, e.by, e.kind, e.what):
                overridden.add(e.step)
        for step_id in set(state.visited):
            entry = counts.setdefault((playbook.slug, step_id), [0, 0, 0, []])
            entry[0] += 1
            entry[1] += step_id in skipped
            entry[2] += step_id in overridden
            if (step_id in skipped or step_id in overridden) and len(entry[3]) < EXAMPLES:
                entry[3].append(case_id)
    policy = desk.review
    found = [
        StepSkips(
            pb,
            step,
            n,
            skip,
            over,
            n >= policy.min_uses and (skip + over) / n >= policy.step_skip_share,
            examples,
        )
        for (pb, step), (n, skip, over, examples) in counts.items()
        if skip or over
    ]
    return sorted(found, key=lambda s: (-(s.skipped + s.overridden) / s.runs, s.playbook, s.step))


def blank_ticks(runs: Runs, desk: Desk) -> list[BlankTicks]:
    """Items with `record` fields of `runs`: how often ticked, how often blank."""
    counts: dict[tuple[str, str, str], list[Any]] = {}
    for case_id, playbook, state in runs:
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
        runs_read = newest_runs(session)
    return Review(macros, steps, blank_ticks(runs_read, desk), step_skips(runs_read, desk))
