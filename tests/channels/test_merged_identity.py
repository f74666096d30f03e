"""Issue 12: after two customers are merged, mail from the merged-away address lands on the
surviving customer (identity resolution follows the merge), and after an unmerge on its own
account again; real MIME parsing through the mail receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.domain.principal import Principal
from sopdesk.engine.customer_records import (
    MergeCustomers,
    Unmerge,
    check_merge_customers,
    check_unmerge,
    do_merge_customers,
    do_unmerge,
)
from sopdesk.store.models import Case, Customer
from tests.channels.test_intake import mail

SYSTEM = Principal.system()


def _customer_of(receiver: MailReceiver, case_id: int | None) -> int:
    with receiver.runtime.db.transaction(write=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.customer_id


def _customers(receiver: MailReceiver) -> int:
    with receiver.runtime.db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def test_mail_from_a_merged_away_address_lands_on_the_survivor(receiver: MailReceiver) -> None:
    runtime = receiver.runtime
    ann = _customer_of(receiver, receiver.receive(mail("ann@example.com", mid="a1@x")).case_id)
    first = receiver.receive(mail("Ann.Old@Example.com", subject="Other", mid="a2@x"))
    old = _customer_of(receiver, first.case_id)
    assert old != ann
    merge = MergeCustomers(other_id=old, reason="the same person, old address")
    check_merge_customers(runtime.db, SYSTEM, ann, merge)
    merge_id = do_merge_customers(runtime.db, runtime.clock, SYSTEM, ann, merge)
    known = _customers(receiver)

    later = receiver.receive(
        mail("ann.old@example.com", subject="Where is my refund?", body="Any news?", mid="a3@x")
    )
    assert later.outcome == "created"
    assert _customer_of(receiver, later.case_id) == ann
    assert _customers(receiver) == known  # no new customer for the old address

    undo = Unmerge(merge_id=merge_id, reason="two people after all")
    check_unmerge(runtime.db, SYSTEM, undo)
    do_unmerge(runtime.db, runtime.clock, SYSTEM, undo)
    after = receiver.receive(mail("ann.old@example.com", subject="Hello again", mid="a4@x"))
    assert _customer_of(receiver, after.case_id) == old
    assert _customers(receiver) == known


def test_an_address_never_merged_still_makes_its_own_customer(receiver: MailReceiver) -> None:
    before = _customers(receiver)
    one = receiver.receive(mail("first@example.com", mid="b1@x"))
    two = receiver.receive(mail("second@example.com", mid="b2@x"))
    assert _customer_of(receiver, one.case_id) != _customer_of(receiver, two.case_id)
    assert _customers(receiver) == before + 2
