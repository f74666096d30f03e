"""CSV import of customers and orders: parse and validate every row, then import in one go.

A file with a bad row imports nothing unless the caller chose to skip bad rows. The rows are
read and validated by sopdesk.engine.csv_rows.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.identity import identity_form
from sopdesk.domain.principal import Principal
from sopdesk.engine.csv_rows import (
    ImportResult,
    Parsed,
    Progress,
    RowError,
    blank_to_none,
    gate,
    model_row,
    read_rows,
)
from sopdesk.engine.customers import CreateCustomer, identity_row, require_staff
from sopdesk.engine.orders import (
    MAX_BATCH,
    ItemIn,
    OrderIn,
    ShipmentIn,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
)
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Customer, CustomerIdentity

# The columns of each file (docs/cli.md explains them) and the ones a file must have.
CUSTOMER_COLUMNS = ("email", "name", "phone", "address", "language", "tier", "external_ref")
CUSTOMER_REQUIRED = ("email",)
ORDER_COLUMNS = (
    "order_ref", "placed_at", "customer_email", "customer_name", "partner",
    "destination_country", "currency", "sku", "item_name", "value", "quantity",
    "carrier", "tracking_number", "shipped_at", "delivered_at",
)  # fmt: skip
ORDER_REQUIRED = ("order_ref", "placed_at", "sku", "item_name", "value")
# Columns that describe the order and must read the same on every line of one order.
ORDER_LEVEL = (
    "placed_at", "customer_email", "customer_name", "partner", "destination_country", "currency",
)  # fmt: skip


# --- customers ------------------------------------------------------------------------------


class CustomerRow(CreateCustomer):
    address: str | None = None

    def identities(self) -> list[tuple[IdentityKind, str]]:
        """The identities this row gives, as written."""
        given = [(IdentityKind.EMAIL, self.email)]
        if self.phone:
            given.append((IdentityKind.PHONE, self.phone))
        if self.address:
            given.append((IdentityKind.ADDRESS, self.address))
        return given


def _unreadable(row_no: int, record: CustomerRow, region: str | None) -> list[RowError]:
    errors = []
    for kind, value in record.identities():
        try:
            identity_form(kind, value, region)
        except InvalidInput as exc:
            errors.append(RowError(row_no, kind.value, str(exc)))
    return errors


def parse_customers(
    path: Path, region: str | None, on_row: Progress | None = None
) -> Parsed[CustomerRow]:
    """Every row of a customers file, validated; a repeated e-mail is an error on its 2nd row.

    Phones without "+" are read in `region` (the desk's, see `phone_region`)."""
    parsed: Parsed[CustomerRow] = Parsed()
    seen: dict[str, int] = {}
    for row_no, row in read_rows(path, CUSTOMER_COLUMNS, CUSTOMER_REQUIRED):
        parsed.rows += 1
        if on_row:
            on_row(1)
        if "__extra__" in row:
            parsed.errors.append(RowError(row_no, "row", "more values than columns"))
            continue
        data: dict[str, Any] = {k: v for k, v in row.items() if v}
        record, errors = model_row(CustomerRow, row_no, data, {})
        if record is not None:
            errors = _unreadable(row_no, record, region)
        if record is not None and record.email in seen:
            errors = [
                RowError(row_no, "email", f"{record.email} is already on row {seen[record.email]}")
            ]
        if errors:
            parsed.errors.extend(errors)
            continue
        seen[record.email] = row_no
        parsed.records.append(([row_no], record))
    return parsed


def check_import_customers(
    db: Database, principal: Principal, parsed: Parsed[CustomerRow], skip_bad_rows: bool
) -> list[CustomerRow]:
    """The rows to import; raises (naming every bad row) unless bad rows are to be skipped."""
    require_staff(principal)
    refs = {r.external_ref: (rows[0], r.email) for rows, r in parsed.records if r.external_ref}
    with db.transaction(write=False) as session:
        owners = session.execute(
            select(Customer.external_ref, Customer.email).where(
                Customer.external_ref.in_(list(refs))
            )
        ).all()
    for ref, owner in owners:
        row, email = refs[ref]
        if owner != email:
            parsed.errors.append(
                RowError(row, "external_ref", f"{ref!r} belongs to customer {owner}")
            )
    bad = set(parsed.bad_rows)
    parsed.records = [(rows, r) for rows, r in parsed.records if rows[0] not in bad]
    parsed.errors.sort(key=lambda e: e.row)
    gate(parsed, skip_bad_rows)
    return [record for _, record in parsed.records]


def _add_identities(
    session: Session, customer_id: int, record: CustomerRow, region: str | None, now: datetime
) -> None:
    rows = [
        identity_row(customer_id, kind, value, region, now) for kind, value in record.identities()
    ]
    have = {
        (kind, normalized)
        for kind, normalized in session.execute(
            select(CustomerIdentity.kind, CustomerIdentity.normalized).where(
                CustomerIdentity.customer_id == customer_id
            )
        )
    }
    session.add_all(
        CustomerIdentity(**row) for row in rows if (row["kind"], row["normalized"]) not in have
    )


def do_import_customers(
    db: Database,
    now: datetime,
    records: list[CustomerRow],
    region: str | None,
    skipped_rows: int = 0,
) -> ImportResult:
    """Creates or updates (by e-mail) every customer in one transaction, with identities in
    their normal form (phones in E.164, read in `region` when written without "+")."""
    created = updated = 0
    with db.transaction() as session:
        existing = {
            c.email: c
            for c in session.scalars(
                select(Customer).where(Customer.email.in_([r.email for r in records]))
            )
        }
        for record in records:
            customer = existing.get(record.email)
            if customer is None:
                customer = Customer(email=record.email, created_at=now)
                session.add(customer)
                created += 1
            else:
                updated += 1
            customer.name = record.name or customer.name or ""
            customer.phone = record.phone_e164(region) or customer.phone
            customer.language = record.language
            customer.tier = record.tier
            customer.external_ref = record.external_ref or customer.external_ref
            session.flush()
            _add_identities(session, customer.id, record, region, now)
    return ImportResult(created, updated, skipped_rows)


# --- orders ---------------------------------------------------------------------------------

_ITEM_NAMES = {"name": "item_name"}
_ORDER_NAMES = {"external_ref": "order_ref", "items": "sku"}


def parse_orders(path: Path, on_row: Progress | None = None) -> Parsed[OrderIn]:
    """Rows grouped by order_ref into orders; a bad line makes its whole order bad."""
    lines: dict[str, list[tuple[int, dict[str, str]]]] = {}
    parsed: Parsed[OrderIn] = Parsed()
    for row_no, row in read_rows(path, ORDER_COLUMNS, ORDER_REQUIRED):
        parsed.rows += 1
        if on_row:
            on_row(1)
        if "__extra__" in row:
            parsed.errors.append(RowError(row_no, "row", "more values than columns"))
            continue
        if not row.get("order_ref"):
            parsed.errors.append(RowError(row_no, "order_ref", "Field required"))
            continue
        lines.setdefault(row["order_ref"], []).append((row_no, row))
    for ref, group in lines.items():
        order, errors = _order_of(ref, group)
        if errors:
            parsed.errors.extend(errors)
        else:
            parsed.records.append(([n for n, _ in group], order))
    parsed.errors.sort(key=lambda e: e.row)
    return parsed


def _order_of(ref: str, group: list[tuple[int, dict[str, str]]]) -> tuple[Any, list[RowError]]:
    errors: list[RowError] = []
    first_no, first = group[0]
    for row_no, row in group[1:]:
        for name in ORDER_LEVEL:
            if row.get(name, "") not in ("", first.get(name, "")):
                errors.append(RowError(row_no, name, f"differs from row {first_no} of order {ref}"))
    items: list[ItemIn] = []
    shipments: dict[tuple[str, str], ShipmentIn] = {}
    for row_no, row in group:
        item, found = model_row(
            ItemIn,
            row_no,
            {
                "sku": row.get("sku", ""),
                "name": row.get("item_name", ""),
                "value": row.get("value", ""),
                "quantity": row.get("quantity") or 1,
            },
            _ITEM_NAMES,
        )
        errors.extend(found)
        if item is not None:
            items.append(item)
        shipment_data = blank_to_none(
            row, "carrier", "tracking_number", "shipped_at", "delivered_at"
        )
        if any(shipment_data.values()):
            shipment_data["destination_country"] = (
                row.get("destination_country", "").upper() or None
            )
            shipment, found = model_row(ShipmentIn, row_no, shipment_data, {})
            errors.extend(found)
            if shipment is not None:
                key = (shipment.carrier or "", shipment.tracking_number or "")
                shipments.setdefault(key, shipment)
    data: dict[str, Any] = {
        "external_ref": ref,
        **{k: v for k, v in blank_to_none(first, *ORDER_LEVEL).items() if v is not None},
    }
    order, found = model_row(OrderIn, first_no, data, _ORDER_NAMES)
    errors.extend(found)
    if errors or order is None:
        return None, errors
    order.items = items
    order.shipments = list(shipments.values())
    return order, []


def check_import_orders(
    db: Database, principal: Principal, parsed: Parsed[OrderIn], skip_bad_rows: bool
) -> tuple[UpsertOrders, dict[str, int]]:
    """The orders to import and the partner ids they name; raises naming every bad row."""
    partners: dict[str, int] = {}
    good: list[tuple[list[int], OrderIn]] = []
    for start in range(0, len(parsed.records), MAX_BATCH):
        chunk = parsed.records[start : start + MAX_BATCH]
        if not chunk:
            break
        try:
            partners.update(
                check_upsert_orders(db, principal, UpsertOrders(orders=[o for _, o in chunk]))
            )
            good.extend(chunk)
        except InvalidInput as exc:
            if not exc.errors:
                raise
            bad = {int(e["loc"][2]) for e in exc.errors}
            for index, (rows, order) in enumerate(chunk):
                if index in bad:
                    parsed.errors.append(
                        RowError(rows[0], "partner", f"unknown partner '{order.partner}'")
                    )
                else:
                    good.append((rows, order))
            partners.update(
                check_upsert_orders(
                    db,
                    principal,
                    UpsertOrders(orders=[o for i, (_, o) in enumerate(chunk) if i not in bad]),
                )
                if len(bad) < len(chunk)
                else {}
            )
    parsed.records = good
    parsed.errors.sort(key=lambda e: e.row)
    gate(parsed, skip_bad_rows)
    # Built without re-validation: the batch limit is for API requests, and the whole file
    # must commit in one transaction.
    return UpsertOrders.model_construct(orders=[o for _, o in good]), partners


def do_import_orders(
    db: Database, now: datetime, command: UpsertOrders, partners: dict[str, int], skipped: int
) -> ImportResult:
    counts = do_upsert_orders(db, now, command, partners)
    return ImportResult(counts["created"], counts["updated"], skipped)
