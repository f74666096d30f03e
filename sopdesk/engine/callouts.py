"""Trend callouts: the hourly and daily jobs that test each category's count against its usual
volume (sopdesk.domain.trends), keep what spiked in `callouts` and post it to team chat.

Each job is a durable timer (`trends.hourly`, `trends.daily`) due at the end of its window. Its
handler, in ONE transaction: deletes its own timer under the claim's lease (the commit is the
firing; a repeat finds no row), writes a callout per spiking category unless the window already
has one (unique per window and category), queues the chat posts under keys of the window, and
sets the timer of the next window. `schedule_trend_jobs` (serve and worker at start) sets the
first timers when none is pending. The baseline of an hour is the same hour of each of the
previous `hourly_baseline_days` days (hours of the night are not compared with the morning);
that of a day is each of the previous `daily_baseline_days` days. Days are the desk's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.domain.trends import Spike, TrendPolicy, callout_text, explaining_terms, find_spikes
from sopdesk.engine.claims import timer_leased
from sopdesk.engine.jobs import HANDLERS, Job, WorkContext
from sopdesk.engine.outbox import OutboxKind, write_outbox
from sopdesk.engine.report_filter import require_report_reader
from sopdesk.store.db import Database
from sopdesk.store.models import Callout, Case, CaseEvent, Timer

HOURLY = "trends.hourly"
DAILY = "trends.daily"
WINDOWS = {HOURLY: "hour", DAILY: "day"}
TEXTS_PER_SIDE = 500  # messages read to explain a spike (spike side and baseline side)
CASES_KEPT = 500  # case ids a callout links
_CHUNK = 1000  # ids per IN (...)


@dataclass(frozen=True)
class Window:
    kind: str  # HOURLY or DAILY
    start: datetime
    end: datetime

    @property
    def name(self) -> str:
        return WINDOWS[self.kind]

    def words(self, desk: Desk) -> str:
        """How the callout names the window: "on Tue 1 Dec" or "13:00-14:00" (desk time)."""
        local = self.start.astimezone(ZoneInfo(desk.timezone))
        if self.kind == DAILY:
            return f"on {local:%a} {local.day} {local:%b}"
        end = self.end.astimezone(ZoneInfo(desk.timezone))
        return f"between {local:%H:%M} and {end:%H:%M}"


def window_ending(kind: str, end: datetime, desk: Desk) -> Window:
    if kind == HOURLY:
        return Window(kind, end - timedelta(hours=1), end)
    local = end.astimezone(ZoneInfo(desk.timezone))
    start = (local - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(kind, start.astimezone(end.tzinfo), end)


def next_boundary(kind: str, now: datetime, desk: Desk) -> datetime:
    """The first window end after `now`: the next full hour, or the desk's next midnight."""
    if kind == HOURLY:
        return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    zone = ZoneInfo(desk.timezone)
    local = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = (local + timedelta(days=1, hours=3)).replace(hour=0)  # a DST day has 23 or 25 h
    return midnight.astimezone(now.tzinfo)


def baseline_windows(window: Window, desk: Desk) -> list[Window]:
    """The same window on each of the previous days (desk days, so DST keeps the hour)."""
    days = (
        desk.trends.hourly_baseline_days
        if window.kind == HOURLY
        else desk.trends.daily_baseline_days
    )
    zone = ZoneInfo(desk.timezone)
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    utc = window.start.tzinfo
    return [
        Window(
            window.kind,
            (start - timedelta(days=d)).astimezone(utc),
            (end - timedelta(days=d)).astimezone(utc),
        )
        for d in range(1, days + 1)
    ]


# --- the test over the store ----------------------------------------------------------------


def _counts(session: Session, w: Window) -> dict[str, int]:
    """Cases created in the window by category: an index-only scan of ix_reports_cases_created."""
    rows = session.execute(
        select(Case.category, func.count())
        .where(Case.created_at >= w.start, Case.created_at < w.end, Case.category.is_not(None))
        .group_by(Case.category)
    )
    return {str(category): int(n) for category, n in rows}


def _texts(
    session: Session, category: str | None, since: datetime, until: datetime
) -> dict[int, str]:
    """Subject and first customer message of (at most TEXTS_PER_SIDE, newest) cases of the
    category (None: of every category)."""
    query = select(Case.id, Case.subject).where(Case.created_at >= since, Case.created_at < until)
    if category is not None:
        query = query.where(Case.category == category)
    cases = session.execute(query.order_by(Case.id.desc()).limit(TEXTS_PER_SIDE)).all()
    first: dict[int, str] = {}
    ids = [c.id for c in cases]
    for at in range(0, len(ids), _CHUNK):
        for case_id, body in session.execute(
            select(CaseEvent.case_id, CaseEvent.body)
            .where(
                CaseEvent.kind == EventKind.MESSAGE_IN.value,
                CaseEvent.case_id.in_(ids[at : at + _CHUNK]),
            )
            .order_by(CaseEvent.case_id, CaseEvent.id)
        ):
            first.setdefault(case_id, body or "")
    return {c.id: f"{c.subject}\n{first.get(c.id, '')}" for c in cases}


def _spike_cases(session: Session, category: str, w: Window) -> list[int]:
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.category == category, Case.created_at >= w.start, Case.created_at < w.end)
            .order_by(Case.id)
            .limit(CASES_KEPT)
        )
    )


def _policy(desk: Desk) -> TrendPolicy:
    t = desk.trends
    return TrendPolicy(min_count=t.min_count, min_ratio=t.min_ratio, alpha=t.alpha)


def _callout(session: Session, desk: Desk, w: Window, spike: Spike, now: datetime) -> Callout:
    base = baseline_windows(w, desk)
    in_spike = _texts(session, spike.category, w.start, w.end)
    in_base = _texts(session, spike.category, base[-1].start, w.start)
    if not in_base:  # a category new to the desk: what everyone else usually writes
        in_base = _texts(session, None, base[-1].start, w.start)
    terms = explaining_terms(in_spike.values(), in_base.values())
    category = desk.category(spike.category)
    title = category.title if category else spike.category
    text = callout_text(title, spike, w.words(desk), terms, spike.count)
    return Callout(
        window=w.name,
        window_start=w.start,
        window_end=w.end,
        category=spike.category,
        count=spike.count,
        mean=spike.mean,
        sd=spike.sd,
        p_value=spike.p_value,
        terms=[
            {"term": t.term, "cases": t.spike_docs, "baseline_share": round(t.baseline_share, 4)}
            for t in terms
        ],
        case_ids=_spike_cases(session, spike.category, w),
        text=text,
        created_at=now,
    )


def call_out_window(session: Session, desk: Desk, w: Window, now: datetime) -> list[Callout]:
    """Writes the callouts of one window that it does not have yet, with their chat posts;
    returns the new ones. Calling it again for the same window writes nothing."""
    current = _counts(session, w)
    baselines: dict[str, list[int]] = {}
    past = baseline_windows(w, desk)
    for i, b in enumerate(past):
        for category, n in _counts(session, b).items():
            baselines.setdefault(category, [0] * len(past))[i] = n
    for category in current:
        baselines.setdefault(category, [0] * len(past))
    spikes = find_spikes(current, baselines, _policy(desk))
    if not spikes:
        return []
    known = set(
        session.scalars(
            select(Callout.category).where(
                Callout.window == w.name, Callout.window_start == w.start
            )
        )
    )
    channel = desk.trends.chat or next(iter(desk.channels.team_chat), None)
    made = []
    for spike in spikes:
        if spike.category in known:
            continue
        row = _callout(session, desk, w, spike, now)
        session.add(row)
        session.flush()
        made.append(row)
        if channel:
            write_outbox(
                session,
                OutboxKind.CHAT,
                key=f"callout:{w.name}:{w.start.isoformat()}:{spike.category}",
                case_id=None,
                payload={"channel": channel, "text": row.text, "callout_id": row.id},
                now=now,
            )
    return made


# --- the jobs -------------------------------------------------------------------------------


def _set_timer(session: Session, kind: str, due: datetime, now: datetime) -> None:
    session.add(
        Timer(due_at=due, kind=kind, payload={"window_end": due.isoformat()}, created_at=now)
    )


def schedule_trend_jobs(db: Database, clock: Clock, desk: Desk) -> list[str]:
    """Sets the first hourly and daily timers where none is pending (idempotent); returns the
    kinds it set. A desk with `trends.enabled: false` gets none."""
    if not desk.trends.enabled:
        return []
    now = clock.now()
    made = []
    with db.transaction() as session:
        for kind in (HOURLY, DAILY):
            if session.scalar(select(Timer.id).where(Timer.kind == kind).limit(1)) is None:
                _set_timer(session, kind, next_boundary(kind, now, desk), now)
                made.append(kind)
    return made


def fire_trend_job(job: Job, ctx: WorkContext) -> list[Callout]:
    """One window's test, exactly once (see the module docstring); then the next window's
    timer. A worker that was down for longer than a window resumes at the latest window."""
    desk = ctx.desk
    if not isinstance(desk, Desk):
        raise RuntimeError("trend callouts need the desk loaded in the worker")
    now = ctx.clock.now()
    end = datetime.fromisoformat(str(job.payload["window_end"]))
    with ctx.db.transaction() as session:
        deleted: CursorResult[Any] = session.execute(delete(Timer).where(timer_leased(job)))
        if deleted.rowcount != 1:
            return []
        made = (
            call_out_window(session, desk, window_ending(job.kind, end, desk), now)
            if desk.trends.enabled
            else []
        )
        # Two chains (two processes set the first timer at once) become one here.
        if session.scalar(select(Timer.id).where(Timer.kind == job.kind).limit(1)) is None:
            nxt = next_boundary(job.kind, end, desk)
            last_done = window_ending(job.kind, next_boundary(job.kind, now, desk), desk).start
            nxt = max(nxt, last_done)  # more than a window behind: go to the latest window
            _set_timer(session, job.kind, nxt, now)
        return made


def _handle(job: Job, ctx: WorkContext) -> None:
    fire_trend_job(job, ctx)


HANDLERS.add(HOURLY, _handle)
HANDLERS.add(DAILY, _handle)


# --- what the console and the API show -------------------------------------------------------


@dataclass(frozen=True)
class CalloutView:
    id: int
    window: str
    window_start: datetime
    window_end: datetime
    category: str
    count: int
    mean: float
    sd: float
    terms: list[dict[str, Any]]
    case_ids: list[int]
    text: str
    created_at: datetime


def list_callouts(db: Database, principal: Principal, limit: int = 100) -> list[CalloutView]:
    """The newest callouts first, for readers of reports (agents of level 2+, leads, admins)."""
    require_report_reader(principal)
    with db.transaction(write=False) as session:
        rows = session.scalars(
            select(Callout).order_by(Callout.created_at.desc(), Callout.id.desc()).limit(limit)
        )
        return [
            CalloutView(
                r.id,
                r.window,
                r.window_start,
                r.window_end,
                r.category,
                r.count,
                r.mean,
                r.sd,
                list(r.terms or []),
                list(r.case_ids or []),
                r.text,
                r.created_at,
            )
            for r in rows
        ]
