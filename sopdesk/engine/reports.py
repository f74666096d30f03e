"""Reports for leads, computed by the database: each is one or two aggregate queries over an
index of sopdesk.store.models.reports; no case is loaded into Python.

Every report reads the same `ReportFilter` (period, level, category, channel, agent, shop) and
answers a `Report`: named columns and rows, which the console draws and the API serves as JSON
or CSV. The period means: cases created in it (volume), clocks started in it (SLA, response and
resolution times), events in it (escalations, partner tasks), ledger entries in it (cost).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from sopdesk.domain.cases import ActorKind, CaseStatus
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import visible_cases
from sopdesk.engine.report_filter import ReportFilter, parse_filter, require_report_reader
from sopdesk.engine.report_sql import (
    day_of,
    grouped_rows,
    json_int,
    json_text,
    predicate,
    prepare,
    seconds_between,
    spreads,
    unindexed,
)
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import BotConversation, Case, CaseEvent, LedgerEntry, SlaClockRow
from sopdesk.store.models.reports import ESCALATION, TASK_ANSWER, TASK_OPENED, TRIAGED

__all__ = [
    "REPORTS",
    "Report",
    "ReportFilter",
    "parse_filter",
    "require_report_reader",
    "run_all",
    "run_report",
]
Q = Select[*tuple[Any, ...]]  # a query of any columns
OPEN = tuple(s.value for s in CaseStatus if s.is_open)
AGE_BUCKETS = (  # backlog by age: (label, up to this age)
    ("under 1 hour", timedelta(hours=1)),
    ("1-4 hours", timedelta(hours=4)),
    ("4-24 hours", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
)
OLDER = "over 7 days"


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _scoped(query: Q, case_id: Any, f: ReportFilter, who: Principal) -> Q:
    """Joins the cases only when a filter or the reader's level needs them."""
    if not f.narrows_cases and who.sees_every_level:
        return query
    return _cases(query.join(Case, Case.id == case_id), f, who)


def _cases(query: Q, f: ReportFilter, who: Principal) -> Q:
    query = visible_cases(query, who)
    for column, value in (
        (Case.level, f.level),
        (Case.category, f.category),
        (Case.channel, f.channel),
        (Case.assignee_id, f.agent_id),
        (Case.partner_id, f.shop_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


# --- the reports ----------------------------------------------------------------------------


def _volume(dimension: str) -> Callable[[Session, ReportFilter, Principal, datetime], Report]:
    def report(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
        column: Any = (
            day_of(session, Case.created_at) if dimension == "day" else getattr(Case, dimension)
        )
        query = _cases(
            select(column.label("k"), func.count()).where(
                Case.created_at >= f.since, Case.created_at < f.until
            ),
            f,
            who,
        )
        rows = session.execute(query.group_by(column).order_by(column)).all()
        return Report(
            f"volume-{dimension}",
            f"Cases by {dimension}",
            (dimension, "cases"),
            [(_key(k), int(n)) for k, n in rows],
        )

    return report


def _key(value: object) -> object:
    if value is None:
        return "(none)"
    return value if isinstance(value, int | str) else str(value)


def sla_attainment(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Per policy and clock: started, met (stopped unbreached), breached, warned, running."""
    c = SlaClockRow
    met = func.sum(case((c.stopped_at.is_not(None) & c.breached.is_(False), 1), else_=0))
    query = _scoped(
        select(
            c.policy,
            c.metric,
            func.count(),
            met,
            func.sum(case((c.breached.is_(True), 1), else_=0)),
            func.sum(case((c.warned.is_(True), 1), else_=0)),
            func.sum(case((c.stopped_at.is_(None) & c.breached.is_(False), 1), else_=0)),
        ).where(c.started_at >= f.since, c.started_at < f.until),
        c.case_id,
        f,
        who,
    )
    rows = grouped_rows(session, query, (c.policy, c.metric))
    out = []
    for policy, metric, n, ok, breached, warned, running in rows:
        decided = int(ok) + int(breached)
        share = round(100 * int(ok) / decided, 1) if decided else None
        out.append(
            (policy, metric, int(n), int(ok), int(breached), int(warned), int(running), share)
        )
    return Report(
        "sla",
        "SLA attainment per policy and clock",
        ("policy", "metric", "clocks", "met", "breached", "warned", "running", "percent_met"),
        out,
    )


def response_times(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """First-response and resolution times (seconds the clock ran, i.e. SLA time) of clocks
    started in the period and stopped: count, median and p90."""
    c = SlaClockRow
    # SQLite walks the clocks in duration order (ix_reports_sla_spread), so a percentile is
    # an OFFSET, not a sort; the period is checked on each entry.
    started = unindexed(session, c.started_at)
    values = _scoped(
        select(c.metric.label("grp"), c.consumed_seconds.label("v")).where(
            started >= f.since,
            started < f.until,
            c.stopped_at.is_not(None),
            c.metric.in_(("first_response", "resolution")),
        ),
        c.case_id,
        f,
        who,
    )
    return Report(
        "times",
        "First-response and resolution times (SLA seconds)",
        ("metric", "stopped", "median_seconds", "p90_seconds"),
        [
            (s.group, s.count, _round(s.median), _round(s.p90))
            for s in spreads(session, values, indexed=True)
        ],
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def backlog(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Open cases now, by level and age since creation (the period does not apply)."""
    bucket = case(
        *((Case.created_at > now - age, label) for label, age in AGE_BUCKETS), else_=OLDER
    )
    query = _cases(
        select(Case.level, bucket.label("age"), func.count()).where(Case.status.in_(OPEN)),
        f,
        who,
    )
    counted = {
        (int(level), str(age)): int(n)
        for level, age, n in session.execute(query.group_by(Case.level, bucket))
    }
    order = [label for label, _ in AGE_BUCKETS] + [OLDER]
    rows = sorted(counted.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))
    return Report(
        "backlog",
        "Open cases by age",
        ("level", "age", "cases"),
        [(level, age, n) for (level, age), n in rows],
    )


def escalations(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Level changes on the timeline: to which level, from which, and why (by an agent, or by
    an SLA rule of the system)."""
    e = CaseEvent
    to_level = json_int(session, e.data, "level")
    from_level = json_int(session, e.data, "from")
    reason = case((e.actor_kind == ActorKind.AGENT.value, "manual"), else_="sla rule")
    query = _scoped(
        select(to_level, from_level, reason, func.count()).where(
            predicate(session, ESCALATION), e.at >= f.since, e.at < f.until
        ),
        e.case_id,
        f,
        who,
    )
    rows = session.execute(
        query.group_by(to_level, from_level, reason).order_by(to_level, from_level, reason)
    )
    return Report(
        "escalations",
        "Escalations by level and reason",
        ("to_level", "from_level", "reason", "count"),
        [(int(t), int(fr), str(r), int(n)) for t, fr, r, n in rows],
    )


def partner_times(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Per shop: partner tasks opened in the period, how many were answered, and how long the
    answers took (median and p90, wall-clock seconds)."""
    task = aliased(CaseEvent, name="task")
    answer = aliased(CaseEvent, name="answer")
    opened = _cases(
        select(Case.partner_id, func.count())
        .select_from(task)
        .join(Case, Case.id == task.case_id)
        .where(
            predicate(session, TASK_OPENED, task),
            task.at >= f.since,
            task.at < f.until,
        ),
        f,
        who,
    )
    counts = {p: int(n) for p, n in session.execute(opened.group_by(Case.partner_id))}
    took = seconds_between(session, task.at, answer.at)
    values = _cases(
        select(func.coalesce(Case.partner_id, 0).label("grp"), took.label("v"))
        .select_from(answer)
        .join(task, task.id == json_int(session, answer.data, "task_id"))
        .join(Case, Case.id == task.case_id)
        .where(
            predicate(session, TASK_ANSWER, answer),
            predicate(session, TASK_OPENED, task),
            task.at >= f.since,
            task.at < f.until,
        ),
        f,
        who,
    )
    answered = {s.group: s for s in spreads(session, values)}
    rows = []
    for partner, n in sorted(counts.items(), key=lambda kv: kv[0] or 0):
        s = answered.get(str(partner or 0))
        rows.append(
            (
                partner,
                n,
                s.count if s else 0,
                _round(s.median) if s else None,
                _round(s.p90) if s else None,
            )
        )
    return Report(
        "partners",
        "Shop response times to tasks",
        ("shop_id", "tasks", "answered", "median_seconds", "p90_seconds"),
        rows,
    )


def resolutions(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Resolutions recorded in the period by kind and by who paid, with their total cost."""
    led = LedgerEntry
    query = _scoped(
        select(
            led.kind,
            led.paid_by,
            led.currency,
            func.count(),
            func.coalesce(func.sum(led.amount), 0),
        ).where(led.at >= f.since, led.at < f.until),
        led.case_id,
        f,
        who,
    )
    rows = session.execute(
        query.group_by(led.kind, led.paid_by, led.currency).order_by(
            led.kind, led.paid_by, led.currency
        )
    )
    return Report(
        "resolutions",
        "Resolutions and their cost by kind and payer",
        ("kind", "paid_by", "currency", "count", "total"),
        [(k, p, cur, int(n), f"{total:.2f}") for k, p, cur, n, total in rows],
    )


def triage_corrections(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Per category triage chose (or "needs triage"): cases triaged in the period and how many
    of them an agent re-categorised afterwards (a correction the next training learns from)."""
    t = aliased(CaseEvent, name="triaged")
    later = aliased(CaseEvent, name="later")
    chosen = func.coalesce(json_text(session, t.data, "category"), "(needs triage)")
    corrected = (
        select(later.id)
        .where(
            later.case_id == t.case_id,
            later.id > t.id,
            later.kind == "field_change",
            later.actor_kind == ActorKind.AGENT.value,
            json_text(session, later.data, "field") == "category",
        )
        .exists()
    )
    query = _scoped(
        select(chosen, func.count(), func.sum(case((corrected, 1), else_=0)))
        .select_from(t)
        .where(predicate(session, TRIAGED, t), t.at >= f.since, t.at < f.until),
        t.case_id,
        f,
        who,
    )
    rows = session.execute(query.group_by(chosen).order_by(chosen))
    return Report(
        "triage",
        "Triage corrected by agents, per category",
        ("category", "triaged", "corrected", "percent_corrected"),
        [(str(c), int(n), int(k), round(100 * int(k) / int(n), 1)) for c, n, k in rows],
    )


BOT_ANSWERED = "answered by the bot"


def bot_outcomes(session: Session, f: ReportFilter, who: Principal, now: datetime) -> Report:
    """Bot conversations started in the period: answered by the bot without a person (the
    deflection) or handed off, by the hand-off's reason, with each one's share. A filter on the
    cases (level, category, channel, agent, shop) keeps only the conversations that became such
    a case; a reader who does not see every level sees the hand-offs to the levels they see and
    every conversation that opened no case."""
    b = BotConversation
    outcome = func.coalesce(b.handoff_reason, BOT_ANSWERED)
    query = select(outcome, func.count()).where(b.created_at >= f.since, b.created_at < f.until)
    if f.narrows_cases or not who.sees_every_level:
        seen = b.case_id.in_(_cases(select(Case.id), f, who))
        query = query.where(seen if f.narrows_cases else b.case_id.is_(None) | seen)
    counted = {str(k): int(n) for k, n in session.execute(query.group_by(outcome))}
    total = sum(counted.values())
    order = sorted(counted, key=lambda k: (k != BOT_ANSWERED, -counted[k], k))
    return Report(
        "bot",
        "Bot conversations: answered by the bot or handed off",
        ("outcome", "conversations", "percent"),
        [(k, counted[k], round(100 * counted[k] / total, 1)) for k in order],
    )


ReportFn = Callable[[Session, ReportFilter, Principal, datetime], Report]
REPORTS: dict[str, ReportFn] = {
    "volume-category": _volume("category"),
    "volume-level": _volume("level"),
    "volume-channel": _volume("channel"),
    "volume-day": _volume("day"),
    "sla": sla_attainment,
    "times": response_times,
    "backlog": backlog,
    "escalations": escalations,
    "partners": partner_times,
    "resolutions": resolutions,
    "triage": triage_corrections,
    "bot": bot_outcomes,
}


def run_report(
    db: Database, principal: Principal, name: str, f: ReportFilter, now: datetime
) -> Report:
    require_report_reader(principal)
    fn = REPORTS.get(name)
    if fn is None:
        raise InvalidInput(f"no report named {name!r}; there are: {', '.join(REPORTS)}")
    with db.transaction(write=False) as session:
        prepare(session)
        return fn(session, f, principal, now)


def run_all(db: Database, principal: Principal, f: ReportFilter, now: datetime) -> list[Report]:
    require_report_reader(principal)
    with db.transaction(write=False) as session:
        prepare(session)
        return [fn(session, f, principal, now) for fn in REPORTS.values()]
