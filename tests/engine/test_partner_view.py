"""Issue 12 item 6: the partner's task shows what the desk lets it see of the customer's report
(desk.yaml `partner_portal.show`), never the customer's e-mail or phone; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sopdesk.desk import load_desk
from sopdesk.desk.problems import DeskError
from sopdesk.domain.desk.settings import PartnerPortal
from sopdesk.domain.partner_view import without_contact
from sopdesk.engine.cases import AddMessage, check_add_message, do_add_message
from sopdesk.engine.partner_tasks import list_partner_tasks
from sopdesk.engine.partner_view import customer_report
from sopdesk.errors import NotFound
from sopdesk.runtime import Runtime
from tests.engine.test_partner_tasks import SYSTEM, make_shop
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]


def test_contact_details_are_blanked_and_numbers_that_are_not_phones_kept() -> None:
    text = (
        "Write to casey.b+cards@mail.example.com or call +1 (201) 555-0142 / 030 1234567. "
        "Order DEMO-10012, tracking 9400111899223344556677, opened 2026-11-20."
    )
    assert without_contact(text) == (
        "Write to [hidden] or call [hidden] / [hidden]. "
        "Order DEMO-10012, tracking 9400111899223344556677, opened 2026-11-20."
    )


def test_by_default_the_shop_sees_order_items_first_name_and_the_message(
    runtime: Runtime,
) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    report = customer_report(runtime.db, runtime.clock, runtime.desk, shop.principal, task.id)
    assert report.order_ref == shop.order_ref
    assert report.items == ("Charizard holo (PKM-1)",)
    assert report.customer == "Casey"  # not "Casey Buyer"
    assert report.message == "The Charizard was not in the package."
    assert "buyer.northside@example.com" not in repr(report)


def test_the_message_loses_the_customers_email_and_phone(runtime: Runtime) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    # A later message of the customer is not the report; the first one is.
    later = AddMessage(kind="inbound", body="Call me on +1 201 555 0142")
    check_add_message(runtime.db, SYSTEM, shop.case_id, later)
    do_add_message(runtime.db, runtime.clock, SYSTEM, shop.case_id, later, desk=runtime.desk)
    report = customer_report(runtime.db, runtime.clock, runtime.desk, shop.principal, task.id)
    assert "555" not in report.message


def test_the_desk_decides_what_the_shop_sees(runtime: Runtime) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    only_order = runtime.desk.model_copy(update={"partner_portal": PartnerPortal(show=["order"])})
    report = customer_report(runtime.db, runtime.clock, only_order, shop.principal, task.id)
    assert (report.order_ref, report.items, report.customer, report.message) == (
        shop.order_ref,
        (),
        "",
        "",
    )
    full = PartnerPortal(show=["customer_name"])
    named = runtime.desk.model_copy(update={"partner_portal": full})
    report = customer_report(runtime.db, runtime.clock, named, shop.principal, task.id)
    assert report.customer == "Casey Buyer" and report.order_ref is None


def test_another_shop_gets_no_report(runtime: Runtime) -> None:
    north = make_shop(runtime, "northside", "Northside Breaks")
    golden = make_shop(runtime, "golden", "Golden Pack Cards")
    (theirs,) = list_partner_tasks(runtime.db, runtime.clock, golden.principal)
    with pytest.raises(NotFound):
        customer_report(runtime.db, runtime.clock, runtime.desk, north.principal, theirs.id)


def test_desk_yaml_sets_it_and_refuses_an_unknown_fact(runtime: Runtime) -> None:
    folder = runtime.settings.desk
    text = (folder / "desk.yaml").read_text()
    (folder / "desk.yaml").write_text(text + "\npartner_portal:\n  show: [order, items]\n")
    assert load_desk(folder).partner_portal.show == ["order", "items"]
    (folder / "desk.yaml").write_text(text + "\npartner_portal:\n  show: [customer_email]\n")
    with pytest.raises(DeskError):
        load_desk(folder)
