"""Proof of compliance: for a case, which playbook steps ran, when, by whom, and whether on time
against the SOP's durations and the SLA; which required checks were missed; and for a period,
the same for every run, with shares per SOP and per agent, signed with the desk version and a
content hash so an auditor can verify the export later.

Read from each run's history (the engine stamps every entry with who acted and, for a timer,
when the SOP said it was due) and the case's SLA clocks. Read-only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import load_case, require, require_staff
from sopdesk.engine.playbook_views import version_of
from sopdesk.engine.report_filter import ReportFilter
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import PlaybookRun, SlaClockRow

ON_TIME_GRACE = timedelta(minutes=5)  # a timed step that ran within this of its due time
MAX_RUNS = 20_000  # runs in one period export; a longer period is refused, not cut
CSV_COLUMNS = (
    "case_id",
    "run_id",
    "playbook",
    "step",
    "kind",
    "what",
    "at",
    "by",
    "due",
    "late_seconds",
    "on_time",
)


@dataclass(frozen=True)
class ProofStep:
    step: str
    kind: str
    what: str
    at: datetime
    by: str | None
    due: datetime | None
    late_seconds: float | None
    on_time: bool | None  # None: the SOP set no due time for it


@dataclass(frozen=True)
class RunProof:
    case_id: int
    run_id: int
    playbook: str
    version: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    steps: list[ProofStep]
    missed: list[str]  # "step: required item" never ticked
    checks_before_resolution: bool | None  # None: the run resolved nothing

    @property
    def complete(self) -> bool:
        return (
            self.status == "done" and not self.missed and self.checks_before_resolution is not False
        )


@dataclass(frozen=True)
class ClockProof:
    metric: str
    policy: str
    due_at: datetime | None
    stopped_at: datetime | None
    breached: bool


@dataclass
class Proof:
    """A signed proof: the content, the desk version it was made under, and the SHA-256 of
    the content's canonical JSON (`verify` recomputes it)."""

    desk_version: str
    since: datetime | None
    until: datetime | None
    runs: list[RunProof]
    clocks: dict[int, list[ClockProof]] = field(default_factory=dict)  # by case

    def content(self) -> dict[str, Any]:
        """Plain JSON values only (times as ISO text), so the hash of what a caller receives
        is the hash of what was signed."""
        body = {
            "desk_version": self.desk_version,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "runs": [{**asdict(r), "complete": r.complete} for r in self.runs],
            "clocks": {str(k): [asdict(c) for c in v] for k, v in sorted(self.clocks.items())},
            "summary": summary(self.runs),
        }
        plain: dict[str, Any] = json.loads(json.dumps(body, default=_iso))
        return plain

    def signed(self) -> dict[str, Any]:
        body = self.content()
        return {**body, "sha256": content_hash(body)}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in self.runs:
            for s in r.steps:
                writer.writerow(
                    (
                        r.case_id,
                        r.run_id,
                        r.playbook,
                        s.step,
                        s.kind,
                        s.what,
                        s.at.isoformat(),
                        s.by or "",
                        s.due.isoformat() if s.due else "",
                        "" if s.late_seconds is None else f"{s.late_seconds:.0f}",
                        "" if s.on_time is None else ("yes" if s.on_time else "no"),
                    )
                )
            for missed in r.missed:
                writer.writerow(
                    (
                        r.case_id,
                        r.run_id,
                        r.playbook,
                        missed,
                        "missed",
                        "required check not done",
                        "",
                        "",
                        "",
                        "",
                        "no",
                    )
                )
        return out.getvalue()


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def content_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=_iso)
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify(signed: dict[str, Any]) -> bool:
    """True when a signed JSON export is unchanged since it was made."""
    body = {k: v for k, v in signed.items() if k != "sha256"}
    return content_hash(body) == signed.get("sha256")


def summary(runs: list[RunProof]) -> dict[str, Any]:
    """Per SOP and per agent: timed steps on time (share) and runs complete (share)."""
    per_sop: dict[str, dict[str, int]] = {}
    per_agent: dict[str, dict[str, int]] = {}
    for r in runs:
        sop = per_sop.setdefault(r.playbook, {"runs": 0, "complete": 0, "timed": 0, "on_time": 0})
        sop["runs"] += 1
        sop["complete"] += int(r.complete)
        for s in r.steps:
            if s.on_time is None:
                continue
            sop["timed"] += 1
            sop["on_time"] += int(s.on_time)
        for who in {s.by for s in r.steps if s.by and s.by.startswith("agent:")}:
            mine = per_agent.setdefault(who, {"runs": 0, "complete": 0})
            mine["runs"] += 1
            mine["complete"] += int(r.complete)
    for counts in (*per_sop.values(), *per_agent.values()):
        counts_share(counts)
    return {"per_sop": per_sop, "per_agent": per_agent}


def counts_share(counts: dict[str, Any]) -> None:
    counts["complete_share"] = (
        round(counts["complete"] / counts["runs"], 3) if counts["runs"] else None
    )
    if "timed" in counts:
        counts["on_time_share"] = (
            round(counts["on_time"] / counts["timed"], 3) if counts["timed"] else None
        )


def _run_proof(session: Session, row: PlaybookRun) -> RunProof:
    state = RunState.model_validate(row.state)
    playbook = version_of(session, row.version)
    steps = []
    for e in state.history:
        late = (e.at - e.due).total_seconds() if e.due else None
        on_time = None if late is None else late <= ON_TIME_GRACE.total_seconds()
        steps.append(ProofStep(e.step, e.kind, e.what, e.at, e.by, e.due, late, on_time))
    missed = []
    for step_id in dict.fromkeys(state.visited):
        step = playbook.step(step_id)
        if step is None or step.checklist is None:
            continue
        ticked = set(state.ticks.get(step_id, ()))
        missed += [
            f"{step_id}: {item.text}"
            for i, item in enumerate(step.checklist.items)
            if item.required and i not in ticked
        ]
    resolved = [e.at for e in state.history if e.kind == "resolve"]
    before: bool | None = None
    if resolved:
        ticks = [e.at for e in state.history if e.kind == "tick"]
        before = not missed and all(at <= resolved[0] for at in ticks)
    return RunProof(
        row.case_id,
        row.id,
        row.playbook,
        row.version,
        row.status,
        row.started_at,
        row.ended_at,
        steps,
        missed,
        before,
    )


def _clocks(session: Session, case_ids: list[int]) -> dict[int, list[ClockProof]]:
    found: dict[int, list[ClockProof]] = {}
    for at in range(0, len(case_ids), 1000):
        rows = session.scalars(
            select(SlaClockRow)
            .where(SlaClockRow.case_id.in_(case_ids[at : at + 1000]))
            .order_by(SlaClockRow.case_id, SlaClockRow.id)
        )
        for c in rows:
            found.setdefault(c.case_id, []).append(
                ClockProof(c.metric, c.policy, c.due_at, c.stopped_at, c.breached)
            )
    return found


def case_proof(db: Database, principal: Principal, desk: Desk, case_id: int) -> Proof:
    """The proof of one case, for staff who may see it."""
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id)
        rows = session.scalars(
            select(PlaybookRun).where(PlaybookRun.case_id == case_id).order_by(PlaybookRun.id)
        )
        runs = [_run_proof(session, row) for row in rows]
        return Proof(desk.version, None, None, runs, _clocks(session, [case_id]))


def period_proof(db: Database, principal: Principal, desk: Desk, f: ReportFilter) -> Proof:
    """Every run started in the period (for an auditor): leads and admins only (it spans
    every level)."""
    if principal.kind is not ActorKind.SYSTEM:
        require(principal, "compliance.read")
    with db.transaction(write=False) as session:
        rows = list(
            session.scalars(
                select(PlaybookRun)
                .where(PlaybookRun.started_at >= f.since, PlaybookRun.started_at < f.until)
                .order_by(PlaybookRun.started_at, PlaybookRun.id)
                .limit(MAX_RUNS + 1)
            )
        )
        if len(rows) > MAX_RUNS:
            raise InvalidInput(
                f"more than {MAX_RUNS} playbook runs started in this period; export a shorter one"
            )
        runs = [_run_proof(session, row) for row in rows]
        clocks = _clocks(session, sorted({r.case_id for r in runs}))
        return Proof(desk.version, f.since, f.until, runs, clocks)
