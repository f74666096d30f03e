"""What a connector answers, and what sopdesk's own `orders` connector decides: pure rules.

An answer is ok, refused (with the reason the system gave) or failed (unreachable, broken);
an ok answer may carry `data` the playbook reads and `order` facts that change the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["ok", "refused", "failed"]
OrderStatus = Literal[
    "pending", "processing", "shipped", "delivered", "cancelled", "returned", "exchanged"
]
ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
_NOT_SHIPPED = ("pending", "processing")


class OrderUpdate(BaseModel):
    """Order facts an answer changes (None: unchanged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: str | None = Field(default=None, max_length=30)
    refund_ref: str | None = Field(default=None, max_length=100)
    shipping_address: str | None = Field(default=None, max_length=1000)

    @property
    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Answer(BaseModel):
    """A connector's answer to one call, as the run and the timeline record it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome = "ok"
    reason: str = Field(default="", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)
    order: OrderUpdate | None = None

    @property
    def words(self) -> str:
        if self.outcome == "ok":
            changed = ", ".join(
                f"{k} {v}" for k, v in (self.order.changes if self.order else {}).items()
            )
            return "ok" + (f" (order {changed})" if changed else "")
        return f"{self.outcome}: {self.reason}" if self.reason else self.outcome


def refused(reason: str) -> Answer:
    return Answer(outcome="refused", reason=reason)


def order_status(order: Mapping[str, Any]) -> str:
    """The order's status: as recorded, else what its shipments say."""
    status = order.get("status")
    if status:
        return str(status)
    shipments = order.get("shipments") or []
    if any(s.get("delivered_at") for s in shipments):
        return "delivered"
    if any(s.get("shipped_at") for s in shipments):
        return "shipped"
    return "pending"


def decide_order_action(
    order: Mapping[str, Any] | None, action: str, arguments: Mapping[str, Any]
) -> Answer:
    """The built-in `orders` connector: what `action` does to the case's order, or why not.

    `order` holds `status` (or the shipments it is read from) and `shipping_address`."""
    if order is None:
        return refused("the case has no order to act on")
    status = order_status(order)
    if action == "cancel":
        if status == "cancelled":
            return refused("the order is already cancelled")
        if status not in _NOT_SHIPPED:
            return refused(f"the order is {status}; only a pending order can be cancelled")
        return Answer(order=OrderUpdate(status="cancelled"), data={"previous_status": status})
    if action == "modify-address":
        address = str(arguments.get("address") or "").strip()
        if not address:
            return refused("no new address was given (argument `address`)")
        if status not in _NOT_SHIPPED:
            return refused(f"the order is {status}; the address can change only before shipping")
        previous = order.get("shipping_address")
        return Answer(
            order=OrderUpdate(shipping_address=address), data={"previous_address": previous}
        )
    if action in ("record-return", "record-exchange"):
        if status != "delivered":
            return refused(f"the order is {status}; only a delivered order can be returned")
        new = "returned" if action == "record-return" else "exchanged"
        refund = str(arguments.get("refund_ref") or "").strip() or None
        return Answer(order=OrderUpdate(status=new, refund_ref=refund), data={"status": new})
    return refused(f"the orders connector cannot '{action}'")
