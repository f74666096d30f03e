"""The pure interpreter: steps run until a pause, events that do not fit are refused, stale
timers are ignored, the cycle guard holds, expressions are safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.desk import Playbook
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.expressions import ExpressionError, evaluate, holds
from sopdesk.domain.playbooks.interpreter import EventDoesNotFit, advance, begin
from sopdesk.domain.playbooks.state import RunState, RunStatus
from sopdesk.packs import pack_path

DESK = load_desk(pack_path("starter"))
CAL = DESK.business_calendar()
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _numbers_typed(pb: Playbook, run: RunState) -> tuple[RunState, list[fx.Effect]]:
    """Seed 001's first checklist, then (the case has no order to read them from) the typed
    V-number and S-number."""
    run, _ = advance(pb, run, ev.Ticked(item="all"), MONDAY, CAL)
    assert run.step == "note-numbers"
    return advance(
        pb, run, ev.Ticked(item="all", values={"v_number": "V", "s_number": "S"}), MONDAY, CAL
    )


def test_proof_of_purchase_runs_to_its_first_pause_and_waits_a_week() -> None:
    pb = DESK.playbooks["proof-of-purchase-hold"]
    run, effects = begin(pb, MONDAY, CAL)
    assert run.status is RunStatus.WAITING and run.waiting and run.waiting.kind == "checklist"
    run, effects = _numbers_typed(pb, run)
    kinds = [type(e).__name__ for e in effects]
    assert kinds.count("SendMacro") == 1 and "StartTimer" in kinds
    assert run.step == "wait-for-proof"
    assert run.waiting and run.waiting.until == MONDAY + timedelta(days=7)


def test_a_stale_timer_is_ignored_and_the_right_one_times_out() -> None:
    pb = DESK.playbooks["proof-of-purchase-hold"]
    run, _ = begin(pb, MONDAY, CAL)
    run, _ = _numbers_typed(pb, run)
    assert run.waiting and run.waiting.token == "1"
    same, effects = advance(pb, run, ev.TimerFired(token="99"), MONDAY, CAL)
    assert same == run and effects == []
    later = MONDAY + timedelta(days=7)
    run, effects = advance(pb, run, ev.TimerFired(token="1"), later, CAL)
    assert any(isinstance(e, fx.SendMacro) and e.reminder for e in effects)
    assert run.step == "wait-after-reminder"


@pytest.mark.parametrize(
    "event",
    [ev.Approved(), ev.Rejected(), ev.Chose(option="x"), ev.Named(name="nothing"), ev.TaskDone()],
)
def test_an_agent_event_that_does_not_fit_is_refused(event: ev._Event) -> None:
    pb = DESK.playbooks["proof-of-purchase-hold"]
    run, _ = begin(pb, MONDAY, CAL)
    with pytest.raises(EventDoesNotFit) as caught:
        advance(pb, run, event, MONDAY, CAL)
    assert caught.value.status == 409


def test_a_reply_nobody_waits_for_changes_nothing() -> None:
    pb = DESK.playbooks["proof-of-purchase-hold"]
    run, _ = begin(pb, MONDAY, CAL)
    assert advance(pb, run, ev.Replied(party="customer"), MONDAY, CAL) == (run, [])


def test_choice_options_follow_when_and_unless() -> None:
    pb = DESK.playbooks["missing-item"]
    facts = {"item": {"value": 900}, "desk": {"limits": {"high_value_item": 250}}}
    run, _ = begin(pb, MONDAY, CAL, facts)
    run, _ = advance(pb, run, ev.Replied(party="partner"), MONDAY, CAL, facts)
    run, effects = advance(pb, run, ev.Chose(option="unknown"), MONDAY, CAL, facts)
    offered = next(e for e in effects if isinstance(e, fx.OfferOptions))
    assert offered.options == ("replace", "platform-credit")
    with pytest.raises(EventDoesNotFit):
        advance(pb, run, ev.Chose(option="refund"), MONDAY, CAL, facts)


def test_stop_cancels_the_timer_and_a_stopped_run_refuses_more() -> None:
    pb = DESK.playbooks["missing-item"]
    run, _ = begin(pb, MONDAY, CAL)
    run, effects = advance(pb, run, ev.Stop(reason="duplicate"), MONDAY, CAL)
    assert run.status is RunStatus.STOPPED
    assert any(isinstance(e, fx.CancelTimer) for e in effects)
    with pytest.raises(EventDoesNotFit):
        advance(pb, run, ev.Stop(), MONDAY, CAL)


def test_the_cycle_guard_stops_a_loop_without_a_pause() -> None:
    pb = Playbook.model_validate(
        {
            "playbook": "loop",
            "title": "Loop",
            "steps": [
                {"id": "a", "set": {"priority": "high"}, "next": "b"},
                {"id": "b", "set": {"priority": "low"}, "next": "a"},
            ],
        }
    )
    run, _ = begin(pb, MONDAY, CAL)
    assert run.status is RunStatus.STOPPED
    assert "without a pause" in run.history[-1].what


def test_a_run_needs_the_version_it_started_with() -> None:
    pb = DESK.playbooks["critical-issue"]
    run, _ = begin(pb, MONDAY, CAL)
    changed = pb.model_copy(update={"title": "Changed"})
    with pytest.raises(ValueError, match="version"):
        advance(changed, run, ev.Ticked(), MONDAY, CAL)


def test_expressions_are_evaluated_without_eval() -> None:
    names = {"item": {"value": "300"}, "desk": {"limits": {"high_value_item": 250.0}}}
    assert holds("item.value > desk.limits.high_value_item", names)
    assert not holds("item.comp_value > 3", names)  # a fact nobody knows: unknown, false
    with pytest.raises(ExpressionError, match=r"no fact 'item\.missing'"):
        holds("item.missing > 3", names)  # a typo is an error, never a silent "unknown"
    assert evaluate("item.value * 2 - 100", names) == 500
    assert holds("not (item.value < 10) and 'a' in ['a', 'b']", names)
    for bad in ("__import__('os')", "item.__class__", "(lambda: 1)()", "[x for x in []]"):
        with pytest.raises(ExpressionError):
            evaluate(bad, names)
