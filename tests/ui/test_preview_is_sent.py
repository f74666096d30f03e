"""What a person previews is what is sent (issue 10, one macro context): the case page's
preview of a macro is, character for character, the mail the playbook sent with it; the order's
latest shipment is the one both name."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase
from sopdesk.engine.orders import (
    ItemIn,
    OrderIn,
    ShipmentIn,
    UpsertOrders,
    check_upsert_orders,
    do_upsert_orders,
)
from sopdesk.runtime import Runtime
from sopdesk.store.models import OutboxMessage
from tests.ui.conftest import open_case

SYSTEM = Principal.system()


def _shipped_case(runtime: Runtime) -> int:
    """Seed 002's order status: a US order on its way, shipped twice (the second parcel is the
    one travelling now)."""
    upsert = UpsertOrders(
        orders=[
            OrderIn(
                external_ref="US-77",
                customer_email="jo@example.com",
                customer_name="Jo Buyer",
                placed_at=datetime(2026, 11, 12, 15, tzinfo=UTC),
                destination_country="US",
                items=[ItemIn(sku="BOX-1", name="Hobby box", value=Decimal("89.00"))],
                shipments=[
                    ShipmentIn(
                        carrier="UPS",
                        tracking_number="1ZOLD0001",
                        shipped_at=datetime(2026, 11, 16, 14, tzinfo=UTC),
                    ),
                    ShipmentIn(
                        carrier="UPS",
                        tracking_number="1ZNEW0002",
                        shipped_at=datetime(2026, 11, 19, 23, 30, tzinfo=UTC),
                    ),
                ],
            )
        ]
    )
    do_upsert_orders(
        runtime.db, runtime.clock.now(), upsert, check_upsert_orders(runtime.db, SYSTEM, upsert)
    )
    command = CreateCase(
        customer_email="jo@example.com",
        customer_name="Jo Buyer",
        subject="Where is my order?",
        body="It has not arrived yet.",
        order_ref="US-77",
        category="order-status",
    )
    return open_case(runtime, command)


def _sent(runtime: Runtime, case_id: int, macro: str) -> dict[str, object]:
    with runtime.db.transaction(write=False) as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.case_id == case_id, OutboxMessage.kind == "message.out"
            )
        ).all()
        payloads = [dict(r.payload) for r in rows if r.payload.get("macro") == macro]
    assert len(payloads) == 1, payloads
    return payloads[0]


def test_the_preview_of_a_macro_is_the_mail_the_playbook_sent(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id = _shipped_case(runtime)
    sent = _sent(runtime, case_id, "order-arrives-by")  # the run chose "shipping" by itself
    page = signed_in("admin").get(f"/cases/{case_id}/macro-preview?macro=order-arrives-by")
    assert page.status_code == 200
    shown = re.search(r'<pre id="macro-text">(.*?)</pre>', page.text, re.S)
    subject = re.search(r"subject: <b>(.*?)</b>", page.text)
    assert shown is not None and subject is not None
    assert html.unescape(shown.group(1)) == sent["text"]
    assert html.unescape(subject.group(1)) == sent["subject"]
    # The parcel travelling now, on the desk's date: 23:30 UTC on the 19th is the 20th in Berlin.
    assert "1ZNEW0002" in str(sent["text"]) and "1ZOLD0001" not in str(sent["text"])
    assert "left us on 20-11-2026" in str(sent["text"])
