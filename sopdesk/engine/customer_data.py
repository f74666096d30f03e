"""A customer's data requests: export everything sopdesk holds about them (JSON and the files in
a zip), and erase them (admins only), keeping an audit record and the offense counts as numbers.

Erasing is the one exception to the append-only timeline: the law asks for the text to go.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from sopdesk.domain.clock import Clock
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require, require_staff
from sopdesk.engine.customers import load_customer
from sopdesk.engine.outbox import PENDING
from sopdesk.errors import Conflict
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database
from sopdesk.store.models import (
    Attachment,
    Case,
    CaseEvent,
    CustomerAudit,
    CustomerIdentity,
    CustomerLink,
    Draft,
    EmailMessage,
    Order,
    OutboxMessage,
)

ERASED = "[erased]"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, *skip: str) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def check_export_customer(db: Database, principal: Principal, customer_id: int) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_customer(session, customer_id)


def do_export_customer(
    db: Database, clock: Clock, principal: Principal, blobs: Path, customer_id: int
) -> bytes:
    """A zip: `customer.json` (the customer, identities, links, orders with items and
    shipments, every case with its timeline) and `attachments/<id>-<name>`; an audit row says
    who exported it and when."""
    store = BlobStore(blobs)
    with db.transaction() as session:
        customer = load_customer(session, customer_id)
        cases = list(session.scalars(select(Case).where(Case.customer_id == customer_id)))
        case_ids = [c.id for c in cases]
        events: dict[int, list[dict[str, Any]]] = {c: [] for c in case_ids}
        for event in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.id)
        ):
            events[event.case_id].append(_row(event))
        files = list(session.scalars(select(Attachment).where(Attachment.case_id.in_(case_ids))))
        orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id)))
        document = {
            "customer": _row(customer),
            "identities": [
                _row(i)
                for i in session.scalars(
                    select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
                )
            ],
            "links": [
                _row(link)
                for link in session.scalars(
                    select(CustomerLink).where(
                        or_(
                            CustomerLink.customer_id == customer_id,
                            CustomerLink.linked_id == customer_id,
                        )
                    )
                )
            ],
            "orders": [
                {
                    **_row(o),
                    "items": [_row(i) for i in o.items],
                    "shipments": [_row(s) for s in o.shipments],
                }
                for o in orders
            ],
            "cases": [{**_row(c), "timeline": events[c.id]} for c in cases],
            "attachments": [_row(a) for a in files],
            "exported_at": clock.now().isoformat(),
        }
        session.add(
            CustomerAudit(
                customer_id=customer_id,
                kind="export",
                actor_id=principal.id,
                reason="data export",
                at=clock.now(),
                data={"cases": len(cases), "attachments": len(files)},
            )
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", json.dumps(document, indent=2, ensure_ascii=False))
        for file in files:
            name = f"attachments/{file.id}-{Path(file.filename).name or 'file'}"
            path = store.path_of(file.sha256)
            if path.exists():
                archive.writestr(name, path.read_bytes())
    return buffer.getvalue()


@dataclass(frozen=True)
class Erasure:
    customer_id: int
    cases: int
    messages: int
    attachments: int
    offense_counts: dict[str, int]


def check_erase_customer(db: Database, principal: Principal, customer_id: int) -> None:
    require(principal, "customers.erase")
    with db.transaction(write=False) as session:
        load_customer(session, customer_id)
        done = session.scalar(
            select(CustomerAudit.id).where(
                CustomerAudit.customer_id == customer_id, CustomerAudit.kind == "erase"
            )
        )
        if done is not None:
            raise Conflict(f"customer {customer_id} was already erased")


def do_erase_customer(
    db: Database, clock: Clock, principal: Principal, blobs: Path, customer_id: int
) -> Erasure:
    """Removes the text of every case's timeline and subject, the attachments (rows, and the
    files no other case uses), the identities, links and personal fields. Cases stay, under the
    anonymous account, so offense counts still count; the audit row keeps the counts too."""
    with db.transaction() as session:
        customer = load_customer(session, customer_id)
        case_ids = list(session.scalars(select(Case.id).where(Case.customer_id == customer_id)))
        offenses = _offense_counts(session, case_ids)
        messages = session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id.in_(case_ids), CaseEvent.body.is_not(None))
            .values(body=ERASED, data={})
        ).rowcount
        session.execute(update(Case).where(Case.id.in_(case_ids)).values(subject=ERASED))
        shas = set(
            session.scalars(select(Attachment.sha256).where(Attachment.case_id.in_(case_ids)))
        )
        files = session.execute(delete(Attachment).where(Attachment.case_id.in_(case_ids))).rowcount
        session.execute(delete(EmailMessage).where(EmailMessage.case_id.in_(case_ids)))
        # Held drafts and the copies of sent text the outbox keeps for admins go too.
        session.execute(delete(Draft).where(Draft.case_id.in_(case_ids)))
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.case_id.in_(case_ids), OutboxMessage.status != PENDING)
            .values(payload={})
        )
        session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id))
        session.execute(
            delete(CustomerLink).where(
                or_(CustomerLink.customer_id == customer_id, CustomerLink.linked_id == customer_id)
            )
        )
        session.execute(
            update(Order).where(Order.customer_id == customer_id).values(customer_id=None)
        )
        customer.name = ""
        customer.email = None
        customer.phone = None
        customer.external_ref = None
        erasure = Erasure(customer_id, len(case_ids), messages, files, offenses)
        session.add(
            CustomerAudit(
                customer_id=customer_id,
                kind="erase",
                actor_id=principal.id,
                reason="erasure request",
                at=clock.now(),
                data={
                    "cases": len(case_ids),
                    "messages": messages,
                    "attachments": files,
                    "offense_counts": offenses,
                },
            )
        )
        still_used = set(
            session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(shas)))
        )
    store = BlobStore(blobs)
    for sha in shas - still_used:  # after the commit: a rollback must not lose files
        store.path_of(sha).unlink(missing_ok=True)
    return erasure


def _offense_counts(session: Session, case_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in session.scalars(
        select(Case.offense).where(Case.id.in_(case_ids), Case.offense.is_not(None))
    ):
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    return counts
