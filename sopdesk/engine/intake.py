"""E-mail intake: a parsed inbound mail becomes a new case or a message on the case it answers.

check_inbound_mail authorises, refuses what cannot be a case and decides the thread;
do_inbound_mail writes the case or message, the original and the files in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, Channel, Priority
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.inbound_mail import ParsedMail
from sopdesk.domain.mail_threading import (
    SUBJECT_WINDOW,
    ThreadClues,
    ThreadDecision,
    decide_thread,
    delivery_key,
    read_reply_tokens,
    tagged_case,
)
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.customer_messages import customer_wrote
from sopdesk.engine.customers import ensure_customer
from sopdesk.engine.mail_index import (
    case_facts,
    cases_for_message_ids,
    recent_cases,
    record_message_id,
    seen_delivery,
    sender_customers,
)
from sopdesk.engine.new_cases import CasePlan, CreateCase, check_create_case, insert_case
from sopdesk.engine.partner_tasks import answer_task_by_mail
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database
from sopdesk.store.models import Attachment, Case, CaseEvent, EmailMessage

Outcome = Literal["created", "appended", "duplicate", "ignored"]
ORIGINAL_NAME = "original.eml"
MAX_SUBJECT = 300


@dataclass(frozen=True)
class IntakeResult:
    outcome: Outcome
    case_id: int | None
    event_id: int | None
    reason: str


@dataclass(frozen=True)
class MailPlan:
    """What check_inbound_mail decided, handed to do_inbound_mail."""

    mail: ParsedMail
    thread: ThreadDecision
    create: CreateCase | None
    case_plan: CasePlan | None
    skip: IntakeResult | None = None


def _create_command(mail: ParsedMail, sender: str, desk: Desk) -> CreateCase:
    subject = (mail.subject or "(no subject)")[:MAX_SUBJECT]
    body = mail.reply_text or mail.text or "(no text in this message; see the original)"
    # Mail to an address with its own priority or category (seed 003's critical-issues
    # address) opens its case with them; other mail is read by triage.
    address = desk.channels.address_for(mail.recipients)
    extra: dict[str, Any] = {}
    if address is not None and address.priority:
        extra["priority"] = Priority(address.priority)
    if address is not None and address.category:
        extra["category"] = address.category
    try:
        return CreateCase(
            customer_email=sender,
            customer_name=mail.sender_name[:200],
            subject=subject,
            body=body,
            channel=Channel.EMAIL,
            **extra,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"this mail cannot become a case: {problems}") from exc


def check_inbound_mail(
    db: Database,
    clock: Clock,
    principal: Principal,
    desk: Desk,
    mail: ParsedMail,
    secret: str,
) -> MailPlan:
    """Authorises the intake, refuses mail with no sender, finds duplicates and the thread."""
    require(principal, "desk.admin")
    if not mail.sender:
        raise InvalidInput(
            "this mail has no usable sender address (From); it was not stored as a case"
        )
    with db.transaction(write=False) as session:
        seen = seen_delivery(session, _key(mail))
        if seen is not None:
            skip = IntakeResult(
                "duplicate",
                seen.case_id,
                seen.event_id,
                "this mail (Message-ID, sender and content) was already received",
            )
            return MailPlan(mail, ThreadDecision(seen.case_id, "reference", ""), None, None, skip)
        decision = _decide(session, mail, secret, clock.now())
    if decision.case_id is None and mail.auto is not None:
        # A bounce or auto-reply that answers no open case: recording it would only make noise.
        skip = IntakeResult("ignored", None, None, f"{mail.auto} that answers no open case")
        return MailPlan(mail, decision, None, None, skip)
    if decision.case_id is not None:
        return MailPlan(mail, decision, None, None)
    command = _create_command(mail, mail.sender, desk)
    return MailPlan(mail, decision, command, check_create_case(db, principal, desk, command))


def _decide(session: Session, mail: ParsedMail, secret: str, now: datetime) -> ThreadDecision:
    token_ids = read_reply_tokens([*mail.recipients, *mail.case_headers], secret)
    referenced = cases_for_message_ids(session, mail.thread_ids, secret)
    tagged = tagged_case(mail.subject)
    customers = sender_customers(session, mail.sender)
    known = case_facts(session, [*token_ids, *referenced, *([tagged] if tagged else [])])
    recent = recent_cases(session, customers, now - SUBJECT_WINDOW)
    clues = ThreadClues(
        token_case_ids=tuple(token_ids),
        referenced_case_ids=tuple(referenced),
        tagged_case_id=tagged,
        sender_customer_ids=customers,
        subject=mail.subject,
        received_at=now,
    )
    return decide_thread(clues, known, recent)


def _message_data(mail: ParsedMail, thread: ThreadDecision) -> dict[str, Any]:
    data: dict[str, Any] = {
        "from": mail.sender,
        "message_id": mail.message_id,
        "subject": mail.subject,
        "raw_sha256": mail.raw_sha256,
        "thread": {"via": thread.via, "reason": thread.reason},
    }
    if mail.in_reply_to:
        data["in_reply_to"] = list(mail.in_reply_to)
    if mail.references:
        data["references"] = list(mail.references[-20:])
    if mail.auto:
        data["auto"] = mail.auto
    if mail.html_only:
        data["html_only"] = True
    if mail.reply_text != mail.text:
        data["full_text"] = mail.text
    if thread.follows_case_id is not None:
        data["follows_case"] = thread.follows_case_id
    if mail.dropped:
        data["dropped"] = [
            {"filename": d.filename, "content_type": d.content_type, "reason": d.reason}
            for d in mail.dropped
        ]
    if mail.defects:
        data["defects"] = list(mail.defects)
    if mail.notes:
        data["notes"] = list(mail.notes)
    return data


def _store_files(session: Session, event: CaseEvent, mail: ParsedMail, now: datetime) -> None:
    session.add(
        Attachment(
            case_id=event.case_id,
            event_id=event.id,
            filename=ORIGINAL_NAME,
            content_type="message/rfc822",
            size=mail.raw_size,
            sha256=mail.raw_sha256,
            created_at=now,
        )
    )
    for stored in mail.attachments:
        session.add(
            Attachment(
                case_id=event.case_id,
                event_id=event.id,
                filename=stored.filename,
                content_type=stored.content_type[:200],
                size=stored.size,
                sha256=stored.sha256,
                created_at=now,
            )
        )


def do_inbound_mail(
    db: Database, clock: Clock, desk: Desk, principal: Principal, plan: MailPlan
) -> IntakeResult:
    """Writes the mail in one transaction; a Message-ID seen meanwhile is a duplicate."""
    if plan.skip is not None:
        return plan.skip
    now = clock.now()
    data = _message_data(plan.mail, plan.thread)
    try:
        return _write_mail(db, now, desk, principal, plan, data)
    except IntegrityError:
        # Another delivery of the same mail committed first: the unique row refused ours.
        with db.transaction(write=False) as session:
            seen = seen_delivery(session, _key(plan.mail))
        if seen is None:
            raise
        return _duplicate(seen)


def _key(mail: ParsedMail) -> str:
    files = [f.sha256 for f in mail.attachments]
    return delivery_key(mail.message_id, mail.sender or "", mail.subject, mail.text, files)


def _duplicate(seen: EmailMessage) -> IntakeResult:
    return IntakeResult(
        "duplicate",
        seen.case_id,
        seen.event_id,
        "this mail (Message-ID, sender and content) was already received",
    )


def _write_mail(
    db: Database,
    now: datetime,
    desk: Desk,
    principal: Principal,
    plan: MailPlan,
    data: dict[str, Any],
) -> IntakeResult:
    mail = plan.mail
    with db.transaction() as session:
        key = _key(mail)
        seen = seen_delivery(session, key)
        if seen is not None:
            return _duplicate(seen)
        if plan.create is not None and plan.case_plan is not None:
            case, event = insert_case(
                session, now, desk, principal, plan.create, plan.case_plan, message_data=data
            )
            session.flush()
            record_message_id(session, mail.message_id, key, case.id, event.id, "in", now)
            _store_files(session, event, mail, now)
            return IntakeResult("created", case.id, event.id, plan.thread.reason)
        assert plan.thread.case_id is not None and mail.sender is not None
        case_row = session.get(Case, plan.thread.case_id)
        if case_row is None:
            raise InvalidInput(f"case {plan.thread.case_id} was deleted while the mail arrived")
        # Mail from the case's partner answers the partner's open task, not as the customer.
        text = mail.reply_text or mail.text or ""
        answer = (
            None
            if mail.auto
            else answer_task_by_mail(session, desk, case_row, mail.sender, text, data, now)
        )
        if answer is not None:
            record_message_id(session, mail.message_id, key, case_row.id, answer.id, "in", now)
            _store_files(session, answer, mail, now)
            return IntakeResult("appended", case_row.id, answer.id, plan.thread.reason)
        customer_id = ensure_customer(session, mail.sender, mail.sender_name[:200], now)
        author = Principal(kind=ActorKind.CUSTOMER, id=customer_id)
        # Auto-replies and bounces are recorded, but never reopen a case or feed a playbook.
        event = customer_wrote(
            session,
            desk,
            case_row,
            author,
            now,
            body=mail.reply_text or mail.text or "(no text in this message; see the original)",
            channel=Channel.EMAIL.value,
            data=data,
            automatic=mail.auto is not None,
        )
        record_message_id(session, mail.message_id, key, case_row.id, event.id, "in", now)
        _store_files(session, event, mail, now)
        return IntakeResult("appended", case_row.id, event.id, plan.thread.reason)
