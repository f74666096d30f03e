"""What a customer sees and does through their signed case link: the public timeline, replies
and uploaded documents (a reply counts for playbooks and the SLA next-response clock).

The link names the case and its customer; both are checked against the case row every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.access import customer_sees_event
from sopdesk.domain.cases import ActorKind, Channel, EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.customer_links import link_refusal
from sopdesk.domain.desk import Desk
from sopdesk.domain.links import CaseLink, LinkError
from sopdesk.domain.principal import Principal
from sopdesk.engine.customer_messages import customer_wrote
from sopdesk.errors import InvalidInput, NotFound
from sopdesk.store.blobs import Blob
from sopdesk.store.db import Database
from sopdesk.store.models import Attachment, Case, CaseEvent, PlaybookRun

# The kinds a customer may see at all; which of them is the domain's `customer_sees_event`.
PUBLIC_KINDS = (
    EventKind.CASE_CREATED.value,
    EventKind.MESSAGE_IN.value,
    EventKind.MESSAGE_OUT.value,
)
MAX_REPLY_CHARS = 20_000
MAX_EVENTS = 200


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    from_customer: bool
    body: str
    files: list[str]


@dataclass(frozen=True)
class CustomerCase:
    id: int
    subject: str
    status: str
    events: list[PublicEvent]
    # A playbook waits for the customer's yes or no (a `confirm` step): the page offers buttons.
    asks_confirmation: bool = False


@dataclass(frozen=True)
class Upload:
    """A document already streamed into the blob store (size checked there)."""

    blob: Blob
    filename: str
    content_type: str


def _case_of(session: Session, desk: Desk, now: datetime, link: CaseLink) -> Case:
    case = session.get(Case, link.case_id)
    if case is None or case.customer_id != link.customer_id:
        raise NotFound("this case is not available")
    refusal = link_refusal(
        issued_at=link.issued_at,
        revoked_at=case.links_revoked_at,
        closed_at=case.closed_at,
        closed_days=desk.customer_links.closed_days,
        now=now,
    )
    if refusal is not None:
        raise LinkError(refusal)
    return case


def read_customer_case(db: Database, clock: Clock, desk: Desk, link: CaseLink) -> CustomerCase:
    """The case with its public timeline, oldest first."""
    with db.transaction(write=False) as session:
        case = _case_of(session, desk, clock.now(), link)
        events = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(PUBLIC_KINDS))
            .order_by(CaseEvent.id)
            .limit(MAX_EVENTS)
        ).all()
        files: dict[int, list[str]] = {}
        for row in session.scalars(
            select(Attachment).where(
                Attachment.case_id == case.id, Attachment.filename != "original.eml"
            )
        ):
            files.setdefault(row.event_id, []).append(row.filename)
        public = [
            PublicEvent(
                e.at,
                e.actor_kind == ActorKind.CUSTOMER.value,
                e.body or "",
                files.get(e.id, []),
            )
            for e in events
            if customer_sees_event(e.kind, e.actor_kind, e.actor_id, e.data or {}, case.customer_id)
            and (e.kind != EventKind.CASE_CREATED.value or e.body)
        ]
        asks = session.scalar(
            select(PlaybookRun.id).where(
                PlaybookRun.case_id == case.id,
                PlaybookRun.status == "waiting",
                PlaybookRun.waiting_for.like("confirm:%"),
            )
        )
        return CustomerCase(case.id, case.subject, case.status, public, asks is not None)


def check_customer_reply(body: str, upload: Upload | None) -> str:
    """The reply text, validated; a document alone is a reply too."""
    text = body.strip()
    if not text and upload is None:
        raise InvalidInput("write a message or choose a document to upload")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(f"the message is longer than {MAX_REPLY_CHARS} characters")
    return text or f"(uploaded {upload.filename})" if upload else text


def do_customer_reply(
    db: Database,
    clock: Clock,
    desk: Desk,
    link: CaseLink,
    text: str,
    upload: Upload | None,
    *,
    answer: Literal["yes", "no"] | None = None,
) -> int:
    """Records the reply (and document) as the customer's message, in one transaction;
    `answer` is the Yes or No button they pressed when a playbook asked them to confirm."""
    now = clock.now()
    with db.transaction() as session:
        case = _case_of(session, desk, now, link)
        author = Principal(kind=ActorKind.CUSTOMER, id=link.customer_id)
        event = customer_wrote(
            session,
            desk,
            case,
            author,
            now,
            body=text,
            channel=Channel.PORTAL.value,
            data={"via": "customer-link", **({"confirm_answer": answer} if answer else {})},
        )
        if upload is not None:
            session.add(
                Attachment(
                    case_id=case.id,
                    event_id=event.id,
                    filename=upload.filename[:255],
                    content_type=upload.content_type[:200],
                    size=upload.blob.size,
                    sha256=upload.blob.sha256,
                    created_at=now,
                )
            )
        return event.id
