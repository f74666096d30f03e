"""`sopdesk import customers|orders`: a bad file imports nothing and names each bad row.

With --skip-bad-rows the good rows are imported in one go and the bad ones still reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sopdesk.packs import pack_path
from sopdesk.store.db import Database
from sopdesk.store.models import Customer, CustomerIdentity, Order, OrderItem, Partner, Shipment

CUSTOMERS_BAD = """email,name,phone,address,tier
ana@example.com,Ana Ruiz,+1 201 555 3344,"12 Main St., Springfield",vip
not-an-email,Bob,,,
carl@example.com,Carl,,,
ANA@example.com,Ana again,,,
"""

ORDERS = """order_ref,placed_at,customer_email,partner,destination_country,sku,item_name,value,quantity,carrier,tracking_number,shipped_at
A-1,2026-11-01T10:00:00Z,ana@example.com,,US,SKU-1,Hobby box,289.99,1,USPS,9400100,2026-11-02T09:00:00Z
A-1,,,,,SKU-2,Toploaders,6.49,2,USPS,9400100,2026-11-02T09:00:00Z
B-2,2026-11-03T10:00:00+01:00,ben@example.com,,de,SKU-3,Slab,450,1,DHL,JD0001,
"""  # noqa: E501


@pytest.fixture(autouse=True)
def _starter_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk says how phones without "+" are read (the starter desk: Germany)."""
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)
    monkeypatch.setenv("SOPDESK_DESK", str(desk))


def count(db: Database, column) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count(column))) or 0)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_bad_rows_imports_nothing_and_reports_each(sopdesk, db, tmp_path) -> None:
    result = sopdesk("import", "customers", str(write(tmp_path, "c.csv", CUSTOMERS_BAD)))

    assert result.exit_code == 1
    assert "row 3: email: value is not a valid email address" in result.stderr
    assert "row 5: email: ana@example.com is already on row 2" in result.stderr
    assert "2 of 4 row(s) have errors, so nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    assert count(db, Customer.id) == 0


def test_skip_bad_rows_imports_the_good_ones_with_identities(sopdesk, db, tmp_path) -> None:
    path = write(tmp_path, "c.csv", CUSTOMERS_BAD)
    result = sopdesk("import", "customers", str(path), "--skip-bad-rows")

    assert result.exit_code == 0, result.output
    assert "imported customers: 2 created, 0 updated, 2 bad row(s) skipped" in result.stdout
    assert "row 3: email:" in result.stderr
    with db.transaction(write=False) as session:
        ana = session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
        assert ana is not None and (ana.name, ana.tier) == ("Ana Ruiz", "vip")
        identities = {
            (i.kind, i.normalized)
            for i in session.scalars(
                select(CustomerIdentity).where(CustomerIdentity.customer_id == ana.id)
            )
        }
    assert identities == {
        ("email", "ana@example.com"),
        ("phone", "+12015553344"),
        ("address", "12 main st springfield"),
    }

    again = sopdesk("import", "customers", str(path), "--skip-bad-rows")
    assert "0 created, 2 updated" in again.stdout
    assert count(db, Customer.id) == 2


def test_a_phone_is_stored_in_e164_read_in_the_desk_region(sopdesk, db, tmp_path) -> None:
    rows = "email,phone\nuk@example.com,442079460958\nde@example.com,030 1234567\n"
    result = sopdesk("import", "customers", str(write(tmp_path, "c.csv", rows)))
    assert result.exit_code == 0, result.output
    with db.transaction(write=False) as session:
        phones = {e: p for e, p in session.execute(select(Customer.email, Customer.phone))}
        stored = set(
            session.scalars(
                select(CustomerIdentity.normalized).where(CustomerIdentity.kind == "phone")
            )
        )
    assert phones == {"uk@example.com": "+442079460958", "de@example.com": "+49301234567"}
    assert stored == {"+442079460958", "+49301234567"}


def test_a_phone_that_is_no_number_is_a_row_error(sopdesk, db, tmp_path) -> None:
    path = write(tmp_path, "c.csv", "email,phone\nx@example.com,call me maybe\n")
    result = sopdesk("import", "customers", str(path))
    assert result.exit_code == 1
    assert "row 2: phone: 'call me maybe' is not a phone number" in result.stderr
    assert count(db, Customer.id) == 0


def test_wrong_columns_are_refused_before_any_row(sopdesk, db, tmp_path) -> None:
    result = sopdesk("import", "customers", str(write(tmp_path, "c.csv", "mail,name\nx,y\n")))
    assert result.exit_code == 1
    assert "missing column(s) email; unknown column(s) mail" in result.stderr
    missing = sopdesk("import", "customers", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr


def test_orders_group_lines_into_orders_with_items_and_shipments(sopdesk, db, tmp_path) -> None:
    result = sopdesk("import", "orders", str(write(tmp_path, "o.csv", ORDERS)))

    assert result.exit_code == 0, result.output
    assert "imported orders: 2 created, 0 updated" in result.stdout
    with db.transaction(write=False) as session:
        a1 = session.scalar(select(Order).where(Order.external_ref == "A-1"))
        assert a1 is not None
        assert [(i.sku, i.quantity) for i in a1.items] == [("SKU-1", 1), ("SKU-2", 2)]
        assert str(a1.total) == "302.97"
        assert [(s.carrier, s.tracking_number) for s in a1.shipments] == [("USPS", "9400100")]
        b2 = session.scalar(select(Order).where(Order.external_ref == "B-2"))
        assert b2 is not None and b2.destination_country == "DE"
        assert b2.placed_at.isoformat() == "2026-11-03T09:00:00+00:00"
    assert count(db, Customer.id) == 2


def test_a_bad_order_line_imports_no_order_at_all(sopdesk, db, tmp_path) -> None:
    bad = ORDERS.replace("6.49,2", "six,2").replace(",de,", ",,").replace("SKU-3,Slab", "SKU-3,")
    bad += "C-3,2026-11-03T10:00:00Z,cy@example.com,no-such-shop,US,SKU-4,Pack,5,1,,,\n"
    bad += "A-1,2026-11-05T10:00:00Z,,,,SKU-5,Sleeves,2.99,1,,,\n"
    result = sopdesk("import", "orders", str(write(tmp_path, "o.csv", bad)))

    assert result.exit_code == 1
    for line in (
        "row 3: value: Input should be a valid decimal",
        "row 4: item_name: String should have at least 1 character",
        "row 5: partner: unknown partner 'no-such-shop'",
        "row 6: placed_at: differs from row 2 of order A-1",
    ):
        assert line in result.stderr
    assert count(db, Order.id) == count(db, OrderItem.id) == count(db, Shipment.id) == 0
    assert count(db, Customer.id) == 0


def test_orders_name_known_partners_and_skip_bad_orders(sopdesk, db, tmp_path) -> None:
    from datetime import UTC, datetime

    with db.transaction() as session:
        session.add(Partner(slug="golden-pack", name="Golden Pack", created_at=datetime.now(UTC)))
    text = ORDERS.replace("ana@example.com,,", "ana@example.com,golden-pack,")
    text += "C-3,2026-11-03T10:00:00Z,cy@example.com,no-such-shop,US,SKU-4,Pack,5,1,,,\n"
    result = sopdesk("import", "orders", str(write(tmp_path, "o.csv", text)), "--skip-bad-rows")

    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 1 bad row(s) skipped" in result.stdout
    with db.transaction(write=False) as session:
        partner_ids = set(session.scalars(select(Order.partner_id)))
    assert len(partner_ids) == 2 and None in partner_ids
