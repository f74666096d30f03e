"""Stale macros and SOPs: macros that agents edit heavily before sending, and playbook steps at
which runs are stopped most, flagged for review above the desk's `review` thresholds, with
examples. Counted by the database over the timeline and the runs; read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Float, cast, func, select

from sopdesk.domain.cases import EventKind, Role
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require_role
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
class Review:
    macros: list[MacroUse]
    steps: list[StepStops]


def review_desk(db: Database, principal: Principal, desk: Desk) -> Review:
    """Admins only. Macros by their mean edit share, steps by how many runs stopped there."""
    require_role(principal, Role.ADMIN)
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
    return Review(macros, steps)
