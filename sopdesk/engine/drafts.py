"""Drafts: a playbook's message that waits for a person before it is sent.

A send step marked `review: true` in the desk, or one whose macro needs a value the case does
not have, is held here instead of being mailed (never a blank or a raw placeholder). The agent
sees it on the case page, edits it, fills in any gap and sends it (through the case core's
"the desk replied", as a person's message) or discards it with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.desk.templates import RenderedMacro, missing_values, render_macro
from sopdesk.domain.access import CaseAction
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk, Macro
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla_rules import ReplyOrigin
from sopdesk.engine.access import load_case, require_staff
from sopdesk.engine.macro_context import render_case_macro
from sopdesk.engine.replies import OutgoingMessage, Sent, desk_replied
from sopdesk.engine.timeline import append_event
from sopdesk.errors import Conflict, InvalidInput, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import Case, Draft

WAITING, SENT, DISCARDED = "waiting", "sent", "discarded"
REVIEW, MISSING_VALUE = "review", "missing-value"
_GAP = re.compile(r"\[\[fill in: ([^\]]{1,200})\]\]")
_RAW_PLACEHOLDER = re.compile(r"\{\{|\{%")


def gap(name: str) -> str:
    """How a missing value shows in a draft: the agent replaces it before sending."""
    return f"[[fill in: {name}]]"


class _Gaps(dict[str, Any]):
    """A fact nobody knows, shown as a gap for each attribute a template reads of it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __missing__(self, key: str) -> str:
        return gap(f"{self.name}.{key}")

    def __str__(self) -> str:
        return gap(self.name)


def _with_gaps(context: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    patched = dict(context)
    for name in missing:
        head, _, attr = name.partition(".")
        if not attr:
            patched[head] = _Gaps(head)
            continue
        known = patched.get(head)
        inner = dict(known) if isinstance(known, dict) else {}
        inner[attr] = gap(name)
        patched[head] = inner
    return patched


def render_with_gaps(
    macro: Macro, case: Case, desk: Desk, context: dict[str, Any]
) -> tuple[RenderedMacro, list[str]]:
    """The macro filled in with what is known and a visible gap for each missing value."""
    lang = case.language if case.language in macro.translations else desk.default_language
    written = macro.text(lang, desk.default_language)
    missing = sorted(
        {
            name
            for source in (written.subject, written.body)
            for name in missing_values(source, context)
        }
    )
    try:
        text = render_macro(
            macro, case.language, desk.default_language, _with_gaps(context, missing)
        )
    except InvalidInput:
        # A filter over a missing value (e.g. a date format) cannot take a gap: the agent
        # starts from the macro as written and replaces its placeholders.
        text = RenderedMacro(lang, written.subject, written.body)
    return text, missing


def hold_draft(
    session: Session,
    case: Case,
    *,
    run_id: int | None,
    step: str,
    macro: str,
    recipient: str,
    to: str | None,
    text: RenderedMacro,
    reason: str,
    missing: list[str],
    data: dict[str, Any],
    now: datetime,
) -> Draft:
    """Holds a message as a draft and says so on the timeline, in the caller's transaction."""
    draft = Draft(
        case_id=case.id,
        run_id=run_id,
        step=step,
        macro=macro,
        recipient=recipient,
        to=to,
        subject=text.subject,
        body=text.body,
        reason=reason,
        missing=missing,
        data=data,
        status=WAITING,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    why = (
        "the step asks for review before sending"
        if reason == REVIEW
        else f"no value for {', '.join(missing)}"
    )
    if any(name == "item" or name.startswith("item.") for name in missing):
        why += "; if the order has several items, choose the one the case is about under Items"
    append_event(
        session,
        case.id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=f"Draft to the {recipient} waiting on the case page ({why}). Nothing was sent.",
        data={"draft_id": draft.id, "step": step, "macro": macro, "blocked": True},
    )
    return draft


@dataclass(frozen=True)
class MacroSend:
    """A macro the desk sends on a case: to whom, why (for the outbox key) and what it carries."""

    macro: Macro
    recipient: str  # customer, partner, other-customer or team
    to: str | None  # the address; None: the customer's own
    step: str  # the playbook step (or the door) that sends it, shown on a held draft
    key: str  # the outbox idempotency key
    channel: str = "email"
    review: bool = False
    run_id: int | None = None
    data: dict[str, Any] | None = None


def send_macro(
    session: Session,
    desk: Desk,
    case: Case,
    send: MacroSend,
    context: dict[str, Any],
    actor: Principal,
    now: datetime,
    origin: ReplyOrigin,
) -> Sent | Draft:
    """The one way a door sends a macro: rendered from the one macro context, sent through
    "the desk replied"; held as a draft when the step asks for review or a value is missing
    (never a blank, never a raw placeholder)."""
    data = {"macro": send.macro.slug, **(send.data or {})}
    missing: list[str] = []
    try:
        text = render_case_macro(send.macro, case, desk, context)
        reason = REVIEW if send.review else None
    except InvalidInput:
        text, missing = render_with_gaps(send.macro, case, desk, context)
        reason = MISSING_VALUE
    if reason is not None:
        return hold_draft(
            session,
            case,
            run_id=send.run_id,
            step=send.step,
            macro=send.macro.slug,
            recipient=send.recipient,
            to=send.to,
            text=text,
            reason=reason,
            missing=missing,
            data=data,
            now=now,
        )
    message = OutgoingMessage(
        body=text.body,
        channel=send.channel,
        recipient=send.recipient,
        to=send.to,
        subject=text.subject or None,
        data=data,
    )
    return desk_replied(session, desk, case, message, actor, now, origin, key=send.key)


@dataclass(frozen=True)
class DraftView:
    id: int
    case_id: int
    step: str
    macro: str
    recipient: str
    to: str | None
    subject: str
    body: str
    reason: str
    missing: list[str]
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: Draft) -> DraftView:
        return cls(
            row.id,
            row.case_id,
            row.step,
            row.macro,
            row.recipient,
            row.to,
            row.subject,
            row.body,
            row.reason,
            list(row.missing or []),
            row.status,
            row.created_at,
        )


def waiting_drafts(session: Session, case_id: int) -> list[DraftView]:
    rows = session.scalars(
        select(Draft).where(Draft.case_id == case_id, Draft.status == WAITING).order_by(Draft.id)
    )
    return [DraftView.of(row) for row in rows]


def list_drafts(db: Database, principal: Principal, case_id: int) -> list[DraftView]:
    require_staff(principal)
    with db.transaction(write=False) as session:
        load_case(session, principal, case_id, CaseAction.SEE)
        return waiting_drafts(session, case_id)


class DecideDraft(BaseModel):
    """Send the draft (as edited) or discard it; a discard says why."""

    action: Literal["send", "discard"]
    subject: str | None = Field(default=None, max_length=998)
    body: str | None = Field(default=None, max_length=200_000)
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\r" in value or "\n" in value):
            raise ValueError("the subject must be one line")
        return value


def _problems(command: DecideDraft, draft: Draft) -> str | None:
    if command.action == "discard":
        if not (command.reason or "").strip():
            return "Say why the draft is discarded (the reason goes on the timeline)."
        return None
    body = command.body if command.body is not None else draft.body
    subject = command.subject if command.subject is not None else draft.subject
    if not body.strip():
        return "The message is empty: write the text before sending."
    gaps = [m.group(1) for m in _GAP.finditer(body + "\n" + subject)]
    if gaps:
        names = ", ".join(dict.fromkeys(gaps))
        return f"Fill in {names} before sending (replace each [[fill in: …]] mark)."
    if _RAW_PLACEHOLDER.search(body + subject):
        return (
            "The message still has a {{ placeholder }}: replace it with the value before sending."
        )
    return None


def _load_draft(session: Session, principal: Principal, draft_id: int, lock: bool) -> Draft:
    draft = session.get(Draft, draft_id, with_for_update=lock)
    if draft is None:
        raise NotFound(f"no draft with id {draft_id}")
    load_case(session, principal, draft.case_id, CaseAction.CHANGE, lock=lock)
    return draft


def check_decide_draft(
    db: Database, principal: Principal, draft_id: int, command: DecideDraft
) -> None:
    require_staff(principal)
    with db.transaction(write=False) as session:
        draft = _load_draft(session, principal, draft_id, lock=False)
        if draft.status != WAITING:
            raise Conflict(f"this draft was already {draft.status}")
        problem = _problems(command, draft)
        if problem:
            raise InvalidInput(problem)


def do_decide_draft(
    db: Database,
    clock: Clock,
    principal: Principal,
    draft_id: int,
    command: DecideDraft,
    desk: Desk,
) -> DraftView:
    """Sends or discards the draft in one transaction; a sent draft is a person's reply."""
    now = clock.now()
    with db.transaction() as session:
        draft = _load_draft(session, principal, draft_id, lock=True)
        if draft.status != WAITING:
            raise Conflict(f"this draft was already {draft.status}")
        problem = _problems(command, draft)
        if problem:
            raise InvalidInput(problem)
        case = session.get(Case, draft.case_id)
        assert case is not None  # the draft cascades with its case
        draft.decided_at, draft.decided_by = now, principal.id
        if command.action == "discard":
            draft.status, draft.decision_note = DISCARDED, command.reason
            append_event(
                session,
                case.id,
                EventKind.NOTE,
                now,
                principal,
                body=f"Draft '{draft.macro}' to the {draft.recipient} discarded: {command.reason}",
                data={"draft_id": draft.id, "step": draft.step},
            )
            return DraftView.of(draft)
        if command.subject is not None:
            draft.subject = command.subject
        if command.body is not None:
            draft.body = command.body
        draft.status = SENT
        data = {**(draft.data or {}), "draft_id": draft.id, "macro": draft.macro}
        message = OutgoingMessage(
            body=draft.body,
            channel="email",
            recipient=draft.recipient,
            to=draft.to,
            subject=draft.subject,
            data=data,
        )
        desk_replied(
            session,
            desk,
            case,
            message,
            principal,
            now,
            ReplyOrigin.PERSON,
            key=f"draft:{draft.id}",
        )
        return DraftView.of(draft)
