"""/api/v1/customers: create, find by e-mail, read one with linked accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from sopdesk.engine.customer_data import (
    Erasure,
    check_erase_customer,
    check_export_customer,
    do_erase_customer,
    do_export_customer,
)
from sopdesk.engine.customer_records import (
    CustomerRecord,
    MergeCustomers,
    Unlink,
    Unmerge,
    check_merge_customers,
    check_unlink,
    check_unmerge,
    do_merge_customers,
    do_unlink,
    do_unmerge,
    read_customer_record,
)
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
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/customers", tags=["customers"])


class CustomerPage(BaseModel):
    items: list[CustomerView]
    next_cursor: str | None


@router.post(
    "",
    dependencies=[needs("customers.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Create a customer",
)
def create_customer(body: CreateCustomer, caller: Caller, runtime: Rt) -> CustomerView:
    region = phone_region(runtime.desk)
    check_create_customer(runtime.db, caller, body, region)
    return do_create_customer(runtime.db, runtime.clock.now(), body, region)


@router.get(
    "", dependencies=[needs("customers.read")], summary="List customers, optionally by e-mail"
)
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


@router.get(
    "/{customer_id}",
    dependencies=[needs("customers.read")],
    summary="Read one customer with linked accounts",
)
def read_customer(customer_id: int, caller: Caller, runtime: Rt) -> CustomerView:
    return get_customer(runtime.db, caller, customer_id)


@router.get(
    "/{customer_id}/record",
    dependencies=[needs("customers.read")],
    summary="The customer page: identities, links, offenses, …",
)
def customer_record(customer_id: int, caller: Caller, runtime: Rt) -> CustomerRecord:
    """Identities, linked accounts (through chains, each with its reason), offense counts by
    kind across linked accounts, orders with shipments, the cases the caller may open (and how
    many at levels they do not see), and merges, unmerges and unlinks."""
    return read_customer_record(runtime.db, runtime.clock, caller, runtime.desk, customer_id)


@router.post(
    "/{customer_id}/merge",
    dependencies=[needs("customers.manage")],
    summary="Merge another customer into this one",
)
def merge_customer(
    customer_id: int, body: MergeCustomers, caller: Caller, runtime: Rt
) -> CustomerRecord:
    """The other account's identities, cases and orders move to this one (a timeline entry on
    each moved case); `POST /customers/merges/{id}/undo` reverses it."""
    check_merge_customers(runtime.db, caller, customer_id, body)
    do_merge_customers(runtime.db, runtime.clock, caller, customer_id, body)
    return read_customer_record(runtime.db, runtime.clock, caller, runtime.desk, customer_id)


@router.post(
    "/merges/{merge_id}/undo",
    dependencies=[needs("customers.manage")],
    summary="Undo a merge, restoring the identities",
)
def unmerge_customer(
    merge_id: int, caller: Caller, runtime: Rt, body: Unmerge | None = None
) -> CustomerRecord:
    command = Unmerge(merge_id=merge_id, reason=body.reason if body else "")
    check_unmerge(runtime.db, caller, command)
    target = do_unmerge(runtime.db, runtime.clock, caller, command)
    return read_customer_record(runtime.db, runtime.clock, caller, runtime.desk, target)


@router.post(
    "/{customer_id}/unlink",
    dependencies=[needs("customers.manage")],
    summary="Remove a wrong link to another account",
)
def unlink_customer(customer_id: int, body: Unlink, caller: Caller, runtime: Rt) -> CustomerRecord:
    check_unlink(runtime.db, caller, customer_id, body)
    do_unlink(runtime.db, runtime.clock, caller, customer_id, body)
    return read_customer_record(runtime.db, runtime.clock, caller, runtime.desk, customer_id)


@router.get(
    "/{customer_id}/export",
    dependencies=[needs("customers.manage")],
    summary="Export everything about a customer (a zip: customer.json and the attachments)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_customer(customer_id: int, caller: Caller, runtime: Rt) -> Response:
    check_export_customer(runtime.db, caller, customer_id)
    data = do_export_customer(
        runtime.db, runtime.clock, caller, runtime.settings.attachments_path, customer_id
    )
    disposition = f'attachment; filename="customer-{customer_id}.zip"'
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": disposition}
    )


@router.post(
    "/{customer_id}/erase",
    dependencies=[needs("customers.erase")],
    summary="Erase a customer (admins only; cannot be undone)",
)
def erase_customer(customer_id: int, caller: Caller, runtime: Rt) -> Erasure:
    """Message text, subjects and attachments of the customer's cases are removed, identities
    deleted; the cases stay under the anonymous account (offense counts still count) and an
    audit record keeps the counts."""
    check_erase_customer(runtime.db, caller, customer_id)
    return do_erase_customer(
        runtime.db, runtime.clock, caller, runtime.settings.attachments_path, customer_id
    )
