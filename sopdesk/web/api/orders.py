"""/api/v1/orders: bulk upsert (admin) and read one by reference."""

from __future__ import annotations

from fastapi import APIRouter

from sopdesk.engine.orders import (
    OrderView,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
    get_order,
)
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/orders", tags=["orders"])


@router.put(
    "",
    dependencies=[needs("orders.import")],
    summary="Create or update orders by external reference, all or nothing",
)
def upsert_orders(body: UpsertOrders, caller: Caller, runtime: Rt) -> dict[str, int]:
    partners = check_upsert_orders(runtime.db, caller, body)
    return do_upsert_orders(runtime.db, runtime.clock.now(), body, partners)


@router.get(
    "/{ref}",
    dependencies=[needs("orders.read")],
    summary="Read one order by its external reference (or id)",
)
def read_order(ref: str, caller: Caller, runtime: Rt) -> OrderView:
    return get_order(runtime.db, caller, ref)
