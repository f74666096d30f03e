"""The delivery rules: which route a reply takes, and the state a message shows."""

from __future__ import annotations

import pytest

from sopdesk.domain.delivery import (
    DeliveryState,
    Reach,
    Route,
    delivery_state,
    not_sent_reason,
    reply_route,
)


@pytest.mark.parametrize(
    ("reach", "route"),
    [
        (Reach(email="a@example.com", widget_open=True, phone="+4420"), Route.WIDGET),
        (Reach(email="a@example.com", widget_open=False, phone="+4420"), Route.EMAIL),
        (Reach(widget_open=True, phone="+4420"), Route.WIDGET),
        (Reach(phone="+442079460958"), Route.CALL_BACK),
        (Reach(email="", phone=""), Route.NONE),
        (Reach(), Route.NONE),
    ],
)
def test_a_reply_takes_the_customer_s_reachable_route(reach: Reach, route: Route) -> None:
    assert reply_route(reach) is route
    assert route.sends == (route in (Route.EMAIL, Route.WIDGET))


def test_the_agent_is_told_to_call_back_or_that_nothing_reaches_the_customer() -> None:
    reach = Reach(phone="+442079460958")
    assert "call them back on +442079460958" in not_sent_reason(Route.CALL_BACK, reach)
    assert "no e-mail address, chat or phone" in not_sent_reason(Route.NONE, Reach())
    with pytest.raises(ValueError):
        not_sent_reason(Route.EMAIL, Reach(email="a@example.com"))


@pytest.mark.parametrize(
    ("status", "error", "state"),
    [
        (None, None, DeliveryState.NOT_SENT),
        ("pending", None, DeliveryState.QUEUED),
        ("pending", "SMTP 451 try later", DeliveryState.FAILED),
        ("delivered", None, DeliveryState.SENT),
        ("dead", "SMTP 550 no such user", DeliveryState.DEAD),
    ],
)
def test_a_message_s_state_comes_from_its_outbox_row(
    status: str | None, error: str | None, state: DeliveryState
) -> None:
    assert delivery_state(status, error) is state
    assert state.is_problem == (state in (DeliveryState.FAILED, DeliveryState.DEAD))
