"""How a message reaches the customer, and what its delivery state says: pure rules.

A reply goes by the customer's reachable route: the chat widget when the customer has it open
(they are there, waiting), else e-mail when an address is known, else (a phone number only)
the agent is told to call back; with none of these the reply cannot be delivered and the
agent is told so. The state of a message on the timeline comes from its outbox row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Route(StrEnum):
    """The way a reply to this customer leaves the desk."""

    EMAIL = "email"
    WIDGET = "widget"  # the customer's open chat-widget session
    CALL_BACK = "call_back"  # nothing is sent: the agent phones the customer
    NONE = "none"  # no way to reach the customer is known

    @property
    def sends(self) -> bool:
        """Whether the desk sends something itself (an outbox row), rather than a person."""
        return self in (Route.EMAIL, Route.WIDGET)


@dataclass(frozen=True)
class Reach:
    """What the desk knows about reaching one customer."""

    email: str | None = None
    widget_open: bool = False
    phone: str | None = None


def reply_route(reach: Reach) -> Route:
    """An open widget first (the customer is in the chat now), then e-mail (it is kept and can
    be answered), then a call back."""
    if reach.widget_open:
        return Route.WIDGET
    if reach.email:
        return Route.EMAIL
    if reach.phone:
        return Route.CALL_BACK
    return Route.NONE


def not_sent_reason(route: Route, reach: Reach) -> str:
    """What the agent is told when a reply was recorded but the desk sends nothing."""
    if route is Route.CALL_BACK:
        return (
            f"Not sent: the customer has no e-mail address or open chat; "
            f"call them back on {reach.phone}."
        )
    if route is Route.NONE:
        return (
            "Not sent: the customer has no e-mail address, chat or phone number; "
            "add a way to reach them and send the reply again."
        )
    raise ValueError(f"a reply by {route.value} is sent")


class DeliveryState(StrEnum):
    """The state of one outbound message, as the timeline and the queue show it."""

    QUEUED = "queued"  # waiting for the worker
    SENT = "sent"  # the mail server, chat service or receiver took it
    FAILED = "failed"  # the last try failed; the worker tries again
    DEAD = "dead"  # the worker gave up; an admin can send it again
    NOT_SENT = "not_sent"  # nothing was queued (no route, or a call back)

    @property
    def is_problem(self) -> bool:
        """A state an agent must see on the case and in the queue."""
        return self in (DeliveryState.FAILED, DeliveryState.DEAD)


def delivery_state(status: str | None, last_error: str | None) -> DeliveryState:
    """The state of a message from its outbox row's status and last error (None: no row)."""
    if status is None:
        return DeliveryState.NOT_SENT
    if status == "delivered":
        return DeliveryState.SENT
    if status == "dead":
        return DeliveryState.DEAD
    return DeliveryState.FAILED if last_error else DeliveryState.QUEUED


def contact_acknowledgement(case_id: int, subject: str, name: str) -> tuple[str, str]:
    """The subject and text of the mail the contact form promises: "we have your message"."""
    hello = f"Hello {name.split()[0]}," if name.strip() else "Hello,"
    text = (
        f"{hello}\n\nwe have your message and opened case #{case_id} for it. "
        "We will answer you by e-mail; to add anything, simply reply to this mail.\n"
    )
    return f"We have your message: {subject}", text
