"""The `call` and `confirm` steps in the pure interpreter, the built-in orders connector's
rules, and reading a customer's yes or no."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sopdesk.domain.calendar import BusinessCalendar
from sopdesk.domain.confirmation import read_answer
from sopdesk.domain.connectors import decide_order_action
from sopdesk.domain.desk import Playbook
from sopdesk.domain.desk.calendar import CalendarSpec
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.playbooks.interpreter import EventDoesNotFit, advance, begin
from sopdesk.domain.playbooks.state import RunStatus

CAL: BusinessCalendar = CalendarSpec(timezone="UTC", always_open=True).build("UTC")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

PLAYBOOK = Playbook.model_validate(
    {
        "playbook": "cancel-order",
        "title": "Cancel a pending order",
        "steps": [
            {
                "id": "ask",
                "confirm": {"macro": "confirm-cancel", "timeout": "3 days"},
                "on_yes": "cancel",
                "on_no": "kept",
                "on_timeout": "no-answer",
            },
            {
                "id": "cancel",
                "call": {"action": "orders.cancel", "with": {"order": "{{ order.number }}"}},
                "on_ok": "done",
                "on_refused": "explain",
                "on_failed": "by-hand",
            },
            {"id": "done", "end": {"outcome": "cancelled"}},
            {"id": "explain", "end": {"outcome": "refused"}},
            {"id": "by-hand", "end": {"outcome": "by-hand"}},
            {"id": "kept", "end": {"outcome": "kept"}},
            {"id": "no-answer", "end": {"outcome": "no-answer"}},
        ],
    }
)


def _confirmed(text: str = "Yes please, cancel it."):  # type: ignore[no-untyped-def]
    run, effects = begin(PLAYBOOK, NOW, CAL)
    assert run.waiting is not None and run.waiting.kind == "confirm"
    assert [e.macro for e in effects if isinstance(e, fx.SendMacro)] == ["confirm-cancel"]
    return advance(PLAYBOOK, run, ev.Replied(party="customer", text=text), NOW, CAL)


def test_a_yes_calls_the_connector_and_the_run_waits_for_its_answer() -> None:
    run, effects = _confirmed()
    calls = [e for e in effects if isinstance(e, fx.CallConnector)]
    assert len(calls) == 1
    assert (calls[0].connector, calls[0].action, calls[0].call) == ("orders", "cancel", "1")
    assert calls[0].arguments == {"order": "{{ order.number }}"}
    assert run.waiting is not None and run.waiting.kind == "call" and run.waiting.call == "1"
    assert run.variables["confirmed"] == "yes"
    assert run.variables["customer_answer"] == "Yes please, cancel it."


@pytest.mark.parametrize(
    ("outcome", "step", "status"),
    [
        ("ok", "done", "cancelled"),
        ("refused", "explain", "refused"),
        ("failed", "by-hand", "by-hand"),
    ],
)
def test_the_answer_takes_its_branch_and_is_kept(outcome: str, step: str, status: str) -> None:
    run, _ = _confirmed()
    answer = ev.ConnectorAnswered(call="1", outcome=outcome, reason="why", data={"ref": "R9"})  # type: ignore[arg-type]
    run, _ = advance(PLAYBOOK, run, answer, NOW, CAL)
    assert run.step == step and run.outcome == status
    assert run.answers["cancel"] == {"ref": "R9", "outcome": outcome, "reason": "why"}


def test_an_answer_to_another_call_changes_nothing() -> None:
    run, _ = _confirmed()
    same, effects = advance(PLAYBOOK, run, ev.ConnectorAnswered(call="7", outcome="ok"), NOW, CAL)
    assert same == run and effects == []


def test_a_no_keeps_the_order_and_a_timeout_ends_the_wait() -> None:
    run, _ = _confirmed("No, I changed my mind.")
    assert run.step == "kept" and run.variables["confirmed"] == "no"
    run, _ = begin(PLAYBOOK, NOW, CAL)
    assert run.waiting is not None and run.waiting.until == NOW + timedelta(days=3)
    run, _ = advance(PLAYBOOK, run, ev.TimerFired(token=run.waiting.token or ""), NOW, CAL)
    assert run.step == "no-answer"


def test_an_unclear_answer_goes_to_an_agent_who_records_the_yes() -> None:
    run, effects = _confirmed("What would that cost me?")
    assert run.status is RunStatus.WAITING and run.waiting and run.waiting.kind == "confirm"
    assert any(isinstance(e, fx.AskAgent) and "What would" in e.text for e in effects)
    run, effects = advance(PLAYBOOK, run, ev.Confirmed(answer="yes", by="Ann"), NOW, CAL)
    assert run.step == "cancel"


def test_a_button_answer_wins_over_the_words_and_a_stray_confirm_is_refused() -> None:
    run, _ = begin(PLAYBOOK, NOW, CAL)
    run, _ = advance(PLAYBOOK, run, ev.Replied(party="customer", answer="no"), NOW, CAL)
    assert run.step == "kept"
    with pytest.raises(EventDoesNotFit):
        advance(PLAYBOOK, run, ev.Confirmed(answer="yes"), NOW, CAL)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes", "yes"),
        ("ja, bitte", "yes"),
        ("Oui, allez-y", "yes"),
        ("go ahead", "yes"),
        ("No thanks", "no"),
        ("Nein", "no"),
        ("Please don't", None),
        ("Hmm, how long does it take?", None),
        ("", None),
        ("No.\n\nOn Mon, Nov 23, Desk wrote:\n> Reply yes to cancel", "no"),
    ],
)
def test_plain_words_are_read_and_unclear_ones_are_not_guessed(
    text: str, answer: str | None
) -> None:
    assert read_answer(text) == answer


def test_the_orders_connector_cancels_only_a_pending_order() -> None:
    ok = decide_order_action({"status": "pending"}, "cancel", {})
    assert ok.outcome == "ok" and ok.order is not None and ok.order.status == "cancelled"
    shipped = {"shipments": [{"shipped_at": NOW}]}
    assert decide_order_action(shipped, "cancel", {}).outcome == "refused"
    assert decide_order_action({"status": "cancelled"}, "cancel", {}).reason
    assert decide_order_action(None, "cancel", {}).outcome == "refused"


def test_the_orders_connector_changes_an_address_before_shipping_and_records_returns() -> None:
    moved = decide_order_action({"status": "pending"}, "modify-address", {"address": "Elm 1"})
    assert moved.order is not None and moved.order.shipping_address == "Elm 1"
    assert decide_order_action({"status": "pending"}, "modify-address", {}).outcome == "refused"
    delivered = {"shipments": [{"shipped_at": NOW, "delivered_at": NOW}]}
    back = decide_order_action(delivered, "record-return", {"refund_ref": "RF-1"})
    assert back.order is not None and (back.order.status, back.order.refund_ref) == (
        "returned",
        "RF-1",
    )
    assert decide_order_action({"status": "pending"}, "record-exchange", {}).outcome == "refused"
    assert decide_order_action({"status": "pending"}, "explode", {}).outcome == "refused"
