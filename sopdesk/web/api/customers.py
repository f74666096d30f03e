"""/api/v1/customers: create, find by e-mail, read one with linked accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from sopdesk.engine.customers import (
    CreateCustomer,
    CustomerView,
    check_create_customer,
    do_create_customer,
    find_customers,
    get_customer,
    phone_region,
)
from sopdesk.engine.queues import MAX_PAGE, decode_cursor, encode_cursor
from sopdesk.web.auth import Caller, Rt

router = APIRouter(prefix="/customers", tags=["customers"])


class CustomerPage(BaseModel):
    items: list[CustomerView]
    next_cursor: str | None


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a customer")
def create_customer(body: CreateCustomer, caller: Caller, runtime: Rt) -> CustomerView:
    region = phone_region(runtime.desk)
    check_create_customer(runtime.db, caller, body, region)
    return do_create_customer(runtime.db, runtime.clock.now(), body, region)


@router.get("", summary="List customers, optionally by e-mail")
def list_customers(
    caller: Caller,
    runtime: Rt,
    email: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: str | None = None,
) -> CustomerPage:
    after = decode_cursor(cursor)["id"] if cursor else None
    rows = find_customers(runtime.db, caller, email, limit + 1, after)
    more = len(rows) > limit
    items = rows[:limit]
    return CustomerPage(
        items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None
    )


@router.get("/{customer_id}", summary="Read one customer with linked accounts")
def read_customer(customer_id: int, caller: Caller, runtime: Rt) -> CustomerView:
    return get_customer(runtime.db, caller, customer_id)
