"""Playbook runs on cases: start, stop and feed events, each in one transaction with its effects.

do_* applies (engine/playbook_checks.py authorises first); the worker feeds fired timers back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk, Playbook
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.interpreter import advance, begin
from sopdesk.domain.playbooks.state import RunState
from sopdesk.domain.playbooks.steps import offered_options
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.engine.access import load_case
from sopdesk.engine.agent_notify import notify_assignee
from sopdesk.engine.claims import timer_leased
from sopdesk.engine.jobs import HANDLERS, Job, WorkContext
from sopdesk.engine.playbook_effects import TIMER_KIND, Applier, case_facts
from sopdesk.engine.playbook_views import (
    RunView,
    approval_decider,
    get_run,
    list_case_runs,
    list_waiting_runs,
    load_run,
    store_version,
    version_of,
)
from sopdesk.engine.timeline import append_event
from sopdesk.errors import Conflict
from sopdesk.store.db import Database
from sopdesk.store.models import Case, PlaybookRun, Timer

EVENT = TypeAdapter(ev.Event)


class StartRun(BaseModel):
    playbook: str = Field(min_length=1, max_length=100)


# --- starting -------------------------------------------------------------------------------


def actor_label(actor: Principal) -> str:
    """Who did a run's step, as its history keeps it: "agent:5", "partner:2", "system"."""
    return actor.kind.value if actor.id is None else f"{actor.kind.value}:{actor.id}"


def _save(row: PlaybookRun, state: RunState, now: datetime) -> None:
    row.state = state.model_dump(mode="json")
    row.status = state.status.value
    row.step = state.step
    waiting = state.waiting
    row.waiting_for = f"{waiting.kind}: {waiting.waits_for}"[:200] if waiting else None
    row.wait_until = waiting.until if waiting else None
    row.updated_at = now
    if state.status.is_over and row.ended_at is None:
        row.ended_at = now


def start_run_in(
    session: Session,
    desk: Desk,
    case: Case,
    playbook: Playbook,
    now: datetime,
    actor: Principal,
    origin: ReplyOrigin = ReplyOrigin.AUTOMATIC,
) -> PlaybookRun:
    """Starts `playbook` on `case` inside the caller's transaction, effects included. A start
    a person asked for is `PERSON` (its first send answers the customer); one a category or
    column triggered is `AUTOMATIC` (an acknowledgement)."""
    version = store_version(session, playbook, now)
    facts = case_facts(session, desk, case, now)
    state, effects = begin(playbook, now, desk.business_calendar(), facts, by=actor.name)
    state = state.stamped(0, actor_label(actor))
    row = PlaybookRun(
        case_id=case.id,
        playbook=playbook.slug,
        version=version,
        status=state.status.value,
        step=state.step,
        state={},
        revision=1,
        started_at=now,
        updated_at=now,
    )
    _save(row, state, now)
    session.add(row)
    session.flush()
    applier = Applier(
        session, desk, case, row, now, actor, dict(state.variables), dict(state.answers), origin
    )
    applier.apply(effects, "1")
    follow_up_changes(session, desk, case, applier.changed, now, actor, feed=False)
    hand_over(session, desk, case, applier.handoffs, now, actor)
    return row


def active_run(session: Session, case_id: int, slug: str) -> bool:
    return (
        session.scalar(
            select(PlaybookRun.id).where(
                PlaybookRun.case_id == case_id,
                PlaybookRun.playbook == slug,
                PlaybookRun.status.in_(("running", "waiting")),
            )
        )
        is not None
    )


def start_triggered_runs(
    session: Session, desk: Desk, case: Case, now: datetime, actor: Principal, *, column: bool
) -> list[int]:
    """Starts the playbooks whose trigger matches the case's category (or, with `column`,
    its board column) and that do not already run on it. Called inside case transactions."""
    started = []
    for playbook in desk.playbooks.values():
        trigger = playbook.trigger
        hit = (
            case.board_column is not None and trigger.column == case.board_column
            if column
            else case.category is not None and case.category in trigger.categories
        )
        if hit and not active_run(session, case.id, playbook.slug):
            started.append(start_run_in(session, desk, case, playbook, now, actor).id)
    return started


def hand_over(
    session: Session,
    desk: Desk,
    case: Case,
    handoffs: list[fx.HandOff],
    now: datetime,
    actor: Principal,
) -> None:
    """Starts the playbooks a run handed the case over to. One that already runs on the case,
    or started on it at this very instant (a ping-pong of hand-offs), is not started again."""
    for handoff in handoffs:
        playbook = desk.playbooks.get(handoff.playbook)
        if playbook is None or active_run(session, case.id, playbook.slug):
            continue
        again = session.scalar(
            select(PlaybookRun.id).where(
                PlaybookRun.case_id == case.id,
                PlaybookRun.playbook == playbook.slug,
                PlaybookRun.started_at == now,
            )
        )
        if again is None:
            start_run_in(session, desk, case, playbook, now, actor)


def follow_up_changes(
    session: Session,
    desk: Desk,
    case: Case,
    changed: set[str],
    now: datetime,
    actor: Principal,
    *,
    feed: bool = True,
) -> None:
    """What a change of fields means for playbooks, whoever made it: a new category or board
    column starts the playbooks it triggers (a playbook's own category change included), and
    with `feed` the waiting runs hear of each change."""
    if "category" in changed:
        start_triggered_runs(session, desk, case, now, actor, column=False)
    if "board_column" in changed:
        start_triggered_runs(session, desk, case, now, actor, column=True)
    if feed:
        for name in sorted(changed):
            value = getattr(case, name)
            feed_case_event(
                session, desk, case, ev.FieldChanged(field=name, value=value), now, actor
            )


def do_start_run(
    db: Database, clock: Clock, desk: Desk, principal: Principal, case_id: int, playbook: Playbook
) -> RunView:
    now = clock.now()
    with db.transaction() as session:
        case = load_case(session, principal, case_id)
        if active_run(session, case_id, playbook.slug):
            raise Conflict(f"playbook '{playbook.slug}' already runs on case {case_id}")
        row = start_run_in(session, desk, case, playbook, now, principal, _origin(principal))
        return RunView.of(row, playbook)


def _origin(principal: Principal) -> ReplyOrigin:
    """An agent acting is a person; the system (a timer, intake) is not."""
    return ReplyOrigin.PERSON if principal.is_agent else ReplyOrigin.AUTOMATIC


# --- events ---------------------------------------------------------------------------------


def apply_event_in(
    session: Session,
    desk: Desk,
    row: PlaybookRun,
    case: Case,
    event: ev._Event,
    now: datetime,
    actor: Principal,
    origin: ReplyOrigin = ReplyOrigin.AUTOMATIC,
    due: datetime | None = None,
) -> bool:
    """Advances a locked run by one event and applies the effects; False if nothing changed.
    `origin` is PERSON when an agent's act caused the event (see `start_run_in`); `due` is
    when a timer's event was due (its history entries keep it, to prove they were on time)."""
    playbook = version_of(session, row.version)
    state = RunState.model_validate(row.state)
    facts = case_facts(session, desk, case, now)
    new, effects = advance(playbook, state, event, now, desk.business_calendar(), facts)
    if new == state and not effects:
        return False
    new = new.stamped(len(state.history), actor_label(actor), due)
    _save(row, new, now)
    try:
        session.flush()  # UPDATE … WHERE revision = <the one read>; bumps it
    except StaleDataError:
        raise Conflict(f"run {row.id} changed while this event was applied; try again") from None
    if isinstance(event, ev.Approved | ev.Rejected):
        decision = "approved" if isinstance(event, ev.Approved) else "rejected"
        append_event(
            session,
            case.id,
            EventKind.APPROVAL,
            now,
            actor,
            body=f"{decision} by {event.by}" + (f": {event.comment}" if event.comment else ""),
            data={"decision": decision, "comment": event.comment, "run_id": row.id},
        )
        words = f"{decision} by {event.by}" + (f": {event.comment}" if event.comment else "")
        notify_assignee(
            session, case, actor, f"The approval was {words}", f"run:{row.id}:{row.revision}", now
        )
    applier = Applier(
        session, desk, case, row, now, actor, dict(new.variables), dict(new.answers), origin
    )
    applier.apply(effects, str(row.revision))
    follow_up_changes(session, desk, case, applier.changed, now, actor, feed=False)
    hand_over(session, desk, case, applier.handoffs, now, actor)
    return True


def do_send_event(
    db: Database, clock: Clock, desk: Desk, principal: Principal, run_id: int, event: ev._Event
) -> RunView:
    now = clock.now()
    # Who acted is the caller, whatever the request body said.
    event = event.model_copy(update={"by": principal.name or principal.kind.value})
    with db.transaction() as session:
        row, case = load_run(session, principal, run_id, lock=True)
        apply_event_in(session, desk, row, case, event, now, principal, _origin(principal))
        return RunView.of(row, version_of(session, row.version))


def do_stop_run(
    db: Database, clock: Clock, desk: Desk, principal: Principal, run_id: int, reason: str
) -> RunView:
    return do_send_event(db, clock, desk, principal, run_id, ev.Stop(reason=reason))


def feed_case_event(
    session: Session, desk: Desk, case: Case, event: ev._Event, now: datetime, actor: Principal
) -> None:
    """Feeds a reply or a field change to every waiting run of a case (intake calls this)."""
    rows = session.scalars(
        select(PlaybookRun)
        .where(PlaybookRun.case_id == case.id, PlaybookRun.status == "waiting")
        .with_for_update()
    ).all()
    for row in rows:
        apply_event_in(session, desk, row, case, event, now, actor)


def feed_reply(
    session: Session,
    desk: Desk,
    case: Case,
    party: str,
    now: datetime,
    actor: Principal,
    *,
    text: str,
    answer: str | None = None,
) -> None:
    """A message arrived on the case from `party` (customer, partner, other-customer); `text`
    is what they wrote and `answer` a yes or no button they pressed (a confirm step reads
    them)."""
    replied = ev.Replied(party=party, by=party, text=text[:5000], answer=answer)  # type: ignore[arg-type]
    feed_case_event(session, desk, case, replied, now, actor)


# --- the worker's handler -------------------------------------------------------------------


def fire_timer(job: Job, ctx: WorkContext) -> None:
    """A playbook timer fired: delete it and advance its run in ONE transaction.

    The delete's row count says whether this worker is the one that fires it: a timer already
    fired (by a worker that died before marking it done, or by another worker) is gone.
    """
    desk = ctx.desk
    now = ctx.clock.now()
    system = Principal.system()
    with ctx.db.transaction() as session:
        deleted: CursorResult[Any] = session.execute(delete(Timer).where(timer_leased(job)))
        gone = deleted.rowcount
        if gone != 1:
            return
        row = session.scalar(
            select(PlaybookRun)
            .where(PlaybookRun.id == int(job.payload["run_id"]))
            .with_for_update()
        )
        if row is None:
            return
        case = session.get(Case, row.case_id)
        assert case is not None
        fired = ev.TimerFired(token=str(job.payload["token"]), by="timer")
        apply_event_in(session, desk, row, case, fired, now, system, due=job.due_at)


HANDLERS.add(TIMER_KIND, fire_timer)

__all__ = [
    "EVENT",
    "RunView",
    "StartRun",
    "approval_decider",
    "do_send_event",
    "do_start_run",
    "do_stop_run",
    "feed_case_event",
    "feed_reply",
    "follow_up_changes",
    "get_run",
    "list_case_runs",
    "list_waiting_runs",
    "offered_options",
    "start_triggered_runs",
]
