"""The case core's pure rules: the status ladder of SLA clocks, which replies answer the
customer, reopening on a customer's message, breach actions, and the case access policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sopdesk.domain.access import CaseAccess, CaseAction, decide_case_access
from sopdesk.domain.cases import ActorKind, CaseStatus, Priority, Role
from sopdesk.domain.desk.calendar import CalendarSpec
from sopdesk.domain.desk.sla import SlaAction, SlaPolicy, SlaTargets
from sopdesk.domain.duration import Duration
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import Metric, start_clock
from sopdesk.domain.sla_rules import (
    ClockMove,
    ClockState,
    NextResponse,
    ReplyOrigin,
    breach_outcome,
    clock_moves,
    metrics_met_by_reply,
    next_response_on_customer_message,
    retarget_clock,
    status_after_customer_message,
    status_after_reply,
)

FIRST, NEXT, RESOLUTION = Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION
NOW = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)


def running(metric: Metric) -> ClockState:
    return ClockState(metric, running=True, stopped=False)


def stopped(metric: Metric) -> ClockState:
    return ClockState(metric, running=False, stopped=True)


def test_solving_stops_every_clock_that_is_not_stopped_yet() -> None:
    moves = clock_moves(CaseStatus.OPEN, CaseStatus.SOLVED, [running(FIRST), stopped(NEXT)])
    assert moves == [(FIRST, ClockMove.STOP)]


def test_waiting_for_the_customer_pauses_and_coming_back_resumes() -> None:
    paused = ClockState(RESOLUTION, running=False, stopped=False)
    assert clock_moves(CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER, [running(RESOLUTION)]) == [
        (RESOLUTION, ClockMove.PAUSE)
    ]
    assert clock_moves(CaseStatus.WAITING_CUSTOMER, CaseStatus.OPEN, [paused]) == [
        (RESOLUTION, ClockMove.RESUME)
    ]


def test_a_policy_decides_which_statuses_pause_it() -> None:
    only_customer = ClockState(FIRST, running=True, stopped=False, pause_when=["waiting_customer"])
    assert clock_moves(CaseStatus.OPEN, CaseStatus.WAITING_PARTNER, [only_customer]) == []


def test_reopening_resumes_resolution_but_a_met_response_stays_met() -> None:
    moves = clock_moves(CaseStatus.SOLVED, CaseStatus.OPEN, [stopped(FIRST), stopped(RESOLUTION)])
    assert moves == [(RESOLUTION, ClockMove.REOPEN)]


def test_only_a_persons_message_to_the_customer_answers_them() -> None:
    assert metrics_met_by_reply(ReplyOrigin.PERSON, to_customer=True) == (FIRST, NEXT)
    assert metrics_met_by_reply(ReplyOrigin.AUTOMATIC, to_customer=True) == ()
    assert metrics_met_by_reply(ReplyOrigin.PERSON, to_customer=False) == ()
    assert status_after_reply(CaseStatus.NEW, ReplyOrigin.AUTOMATIC, True) is CaseStatus.NEW
    assert status_after_reply(CaseStatus.NEW, ReplyOrigin.PERSON, True) is CaseStatus.OPEN
    assert status_after_reply(CaseStatus.NEW, ReplyOrigin.PERSON, False) is CaseStatus.NEW


def test_a_customer_reopens_what_waits_for_them_but_an_auto_reply_never_does() -> None:
    for status in (CaseStatus.WAITING_CUSTOMER, CaseStatus.SOLVED):
        assert status_after_customer_message(status, automatic=False) is CaseStatus.OPEN
        assert status_after_customer_message(status, automatic=True) is status
    assert status_after_customer_message(CaseStatus.WAITING_PARTNER, False) is (
        CaseStatus.WAITING_PARTNER
    )


def test_next_response_starts_only_after_the_first_response() -> None:
    assert next_response_on_customer_message(True, None) is NextResponse.NONE
    assert next_response_on_customer_message(False, None) is NextResponse.START
    assert next_response_on_customer_message(False, stopped(NEXT)) is NextResponse.RESTART
    assert next_response_on_customer_message(False, running(NEXT)) is NextResponse.NONE


def _policy(pid: str, first: str) -> SlaPolicy:
    return SlaPolicy(
        id=pid,
        title=pid,
        calendar="always",
        targets=SlaTargets(first_response=Duration.parse(first)),
        warn_before=Duration.parse("15 minutes"),
    )


def test_retargeting_keeps_the_time_counted_and_takes_the_new_target() -> None:
    calendar = CalendarSpec(always_open=True).build("UTC")
    standard, critical = _policy("standard", "24 hours"), _policy("critical", "1 hour")
    clock = start_clock(standard, FIRST, Duration.parse("24 hours"), NOW, calendar)
    later = NOW + timedelta(minutes=10)
    counted = replace(clock, consumed_seconds=600.0, running_since=later)
    moved = retarget_clock(counted, critical, Duration.parse("1 hour"), later, calendar)
    assert moved.policy == "critical"
    assert moved.target_seconds == 3600
    assert moved.consumed_seconds == 600
    assert moved.due_at(calendar) == NOW + timedelta(hours=1)
    assert moved.warn_at(calendar) == NOW + timedelta(minutes=45)


def test_breach_actions_only_raise_and_collect_notifications() -> None:
    actions = [
        SlaAction(set_priority="high"),
        SlaAction(escalate_to=2),
        SlaAction(notify="#escalations", message="late"),
        SlaAction(email="oncall@example.com", message="page"),
        SlaAction(add_tags=["sla-breached"]),
    ]
    outcome = breach_outcome(actions, Priority.NORMAL, 1, ["vip"])
    assert outcome.changes == {
        "priority": Priority.HIGH,
        "level": 2,
        "tags": ["sla-breached", "vip"],
    }
    assert outcome.notify == (("#escalations", "late"),)
    assert outcome.mail == (("oncall@example.com", "page"),)
    calm = breach_outcome(actions[:2], Priority.CRITICAL, 3, [])
    assert calm.changes == {}


def agent(level: int, *roles: Role) -> Principal:
    return Principal(kind=ActorKind.AGENT, id=1, level=level, roles=frozenset(roles), name="A")


def test_agents_see_their_level_and_below_leads_see_every_level() -> None:
    case = CaseAccess(case_id=7, level=3)
    assert not decide_case_access(agent(1), case, CaseAction.SEE).allowed
    assert "level 3" in decide_case_access(agent(1), case, CaseAction.SEE).reason
    assert decide_case_access(agent(3), case, CaseAction.CHANGE).allowed
    assert decide_case_access(agent(1, Role.LEAD), case, CaseAction.SEE).allowed
    assert decide_case_access(Principal.system(), case, CaseAction.CHANGE).allowed


def test_customers_and_partners_never_act_as_staff() -> None:
    case = CaseAccess(case_id=7, level=1, partner_id=3)
    for kind in (ActorKind.CUSTOMER, ActorKind.PARTNER):
        decision = decide_case_access(Principal(kind=kind, id=3), case, CaseAction.SEE)
        assert not decision.allowed


def test_clearing_spam_is_a_level_two_duty() -> None:
    case = CaseAccess(case_id=7, level=1)
    assert not decide_case_access(agent(1), case, CaseAction.CLEAR_SPAM).allowed
    assert decide_case_access(agent(2), case, CaseAction.CLEAR_SPAM).allowed
    assert decide_case_access(agent(1, Role.LEAD), case, CaseAction.CLEAR_SPAM).allowed
