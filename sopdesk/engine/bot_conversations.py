"""A customer's conversation with the support bot (the chat widget, or the API): questions
answered from the help articles until a hand-off, then the case that a person answers.

The hand-off is an engine step over explicit state (sopdesk.domain.handoff): it creates the
case through the case core (`check_create_case` + `write_new_case`) or continues the customer's
open chat case (`customer_wrote`), with the transcript, the articles the bot found, the triage
category when triage is sure, and the contact; tells the customer when to expect a person (the
SLA clock that now runs); and happens once. After it the bot never answers in the conversation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, CaseStatus, Channel, EventKind, Priority
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.handoff import (
    ASKED_FOR_PERSON,
    ConversationState,
    expected_reply,
    handoff_after_feedback,
    handoff_reason,
)
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import Metric
from sopdesk.engine.bot import BotReply, ask, incident_text, with_incidents
from sopdesk.engine.customer_messages import customer_wrote
from sopdesk.engine.new_cases import CasePlan, CreateCase, check_create_case, write_new_case
from sopdesk.engine.timeline import append_event
from sopdesk.engine.triage_intake import Triaged, triage_contact
from sopdesk.engine.widget_sessions import mark_widget_delivered
from sopdesk.errors import Conflict, NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import BotConversation, Case, CaseEvent, Customer, SlaClockRow

MAX_TURNS = 200  # a conversation longer than this is a case already
CLOSED = (CaseStatus.SOLVED.value, CaseStatus.CLOSED.value)


class Contact(BaseModel):
    email: EmailStr
    name: str = Field(default="", max_length=200)


class StartConversation(BaseModel):
    email: EmailStr | None = None
    name: str = Field(default="", max_length=200)


class Say(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


@dataclass(frozen=True)
class ConversationView:
    token: str
    state: str
    messages: list[dict[str, Any]]
    case_id: int | None
    handoff_reason: str | None
    needs_contact: bool  # a hand-off is due but the desk has no address to answer
    reply: dict[str, Any] | None = field(default=None)  # the bot's reply to this request


def do_start_conversation(
    db: Database, clock: Clock, command: StartConversation
) -> ConversationView:
    now = clock.now()
    with db.transaction() as session:
        conversation = BotConversation(
            token=secrets.token_urlsafe(24),
            state=ConversationState.BOT.value,
            customer_email=str(command.email) if command.email else None,
            customer_name=command.name.strip(),
            turns=[],
            articles=[],
            unhelpful=0,
            created_at=now,
            updated_at=now,
            last_seen_at=now,
        )
        session.add(conversation)
        session.flush()
        return _view(session, conversation)


def _load(session: Session, token: str) -> BotConversation:
    conversation = session.scalars(
        select(BotConversation).where(BotConversation.token == token)
    ).first()
    if conversation is None:
        raise NotFound("this chat has ended or never existed; start a new one")
    return conversation


def _turn(who: str, text: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"who": who, "text": text, "at": at.isoformat(), **extra}


def _critical(triaged: Triaged | None) -> bool:
    return triaged is not None and triaged.priority is Priority.CRITICAL


def do_say(db: Database, clock: Clock, desk: Desk, token: str, command: Say) -> ConversationView:
    """The customer writes: the bot answers (or hands off) while it owns the conversation;
    after the hand-off the message goes to the case and the bot says nothing."""
    with db.transaction(write=False) as session:
        state = ConversationState(_load(session, token).state)
    reply: BotReply | None = None
    triaged = None
    if state.bot_answers:
        reply = with_incidents(db, desk, clock.now(), command.text, ask(db, desk, command.text))
        triaged = triage_contact(desk, "Chat", command.text[:2000])
    now = clock.now()
    with db.transaction() as session:
        conversation = _load(session, token)
        if len(conversation.turns) >= MAX_TURNS:
            raise Conflict("this chat is too long; please write to us by e-mail")
        turns = [*conversation.turns, _turn("customer", command.text, now)]
        if not ConversationState(conversation.state).bot_answers or reply is None:
            conversation.turns = turns
            _to_case(session, desk, conversation, command.text, now)
            return _view(session, conversation)
        articles = [c.article for c in reply.citations]
        for incident in reply.incidents:  # said first: a known incident on what they ask about
            turns.append(_turn("bot", incident_text(incident), now, incident=incident["id"]))
        turns.append(_turn("bot", reply.text, now, articles=articles, answered=reply.answered))
        conversation.turns = turns
        conversation.articles = [
            *conversation.articles,
            *(a for a in articles if a not in conversation.articles),
        ]
        reason = handoff_reason(
            ConversationState(conversation.state),
            reply.reason if reply.handoff else None,
            critical=_critical(triaged),
        )
        conversation.updated_at = now
        if reason is not None:
            conversation.handoff_reason = reason
    if reason is not None and _contact_of(db, token) is not None:
        plan = _plan(db, desk, token, triaged)
        with db.transaction() as session:
            conversation = _load(session, token)
            _hand_off(session, desk, conversation, plan, now)
    with db.transaction(write=False) as session:
        return _view(session, _load(session, token), reply=_reply_json(reply))


def _reply_json(reply: BotReply | None) -> dict[str, Any] | None:
    if reply is None:
        return None
    return {
        "answered": reply.answered,
        "text": reply.text,
        "citations": [
            {"article": c.article, "title": c.title, "url": c.url} for c in reply.citations
        ],
        "feedback_question": reply.feedback_question,
        "handoff": reply.handoff,
        "reason": reply.reason,
        "incidents": reply.incidents,
    }


def _contact_of(db: Database, token: str) -> str | None:
    with db.transaction(write=False) as session:
        return _load(session, token).customer_email


def do_feedback(
    db: Database, clock: Clock, desk: Desk, token: str, helpful: bool
) -> ConversationView:
    """The customer's answer to "Did this answer your question?": a No hands off once the
    desk's `handoff.after_unhelpful_answers` is reached."""
    now = clock.now()
    with db.transaction() as session:
        conversation = _load(session, token)
        conversation.turns = [
            *conversation.turns,
            _turn("customer", "Yes" if helpful else "No", now, feedback=helpful),
        ]
        reason = None
        if not helpful:
            conversation.unhelpful += 1
            reason = handoff_after_feedback(
                ConversationState(conversation.state),
                conversation.unhelpful,
                desk.bot.handoff.after_unhelpful_answers,
            )
            if reason is not None:
                conversation.handoff_reason = reason
        conversation.updated_at = now
    if reason is not None and _contact_of(db, token) is not None:
        plan = _plan(db, desk, token, None)
        with db.transaction() as session:
            _hand_off(session, desk, _load(session, token), plan, now)
    with db.transaction(write=False) as session:
        return _view(session, _load(session, token))


def do_handoff(
    db: Database, clock: Clock, desk: Desk, token: str, contact: Contact | None
) -> ConversationView:
    """The customer asks for a person (or gives the address a due hand-off was waiting for)."""
    now = clock.now()
    with db.transaction() as session:
        conversation = _load(session, token)
        if contact is not None:
            conversation.customer_email = str(contact.email)
            conversation.customer_name = contact.name.strip() or conversation.customer_name
        if conversation.customer_email is None:
            raise Conflict("give an e-mail address so that our team can answer you")
        conversation.handoff_reason = conversation.handoff_reason or ASKED_FOR_PERSON
        handing = ConversationState(conversation.state).bot_answers
    if handing:
        plan = _plan(db, desk, token, None)
        with db.transaction() as session:
            _hand_off(session, desk, _load(session, token), plan, now)
    with db.transaction(write=False) as session:
        return _view(session, _load(session, token))


@dataclass(frozen=True)
class HandoffPlan:
    command: CreateCase
    plan: CasePlan
    triaged_category: str | None


def _customer_text(turns: list[dict[str, Any]]) -> str:
    return "\n".join(t["text"] for t in turns if t["who"] == "customer" and "feedback" not in t)


def _plan(db: Database, desk: Desk, token: str, triaged: Triaged | None) -> HandoffPlan:
    """The case a hand-off would create, validated through the case core's check."""
    with db.transaction(write=False) as session:
        conversation = _load(session, token)
        turns = list(conversation.turns)
        email, name = conversation.customer_email, conversation.customer_name
        articles = list(conversation.articles)
        reason = conversation.handoff_reason
    assert email is not None  # callers hand off only with a contact
    asked = _customer_text(turns) or "The customer asked for a person."
    first = next((t["text"] for t in turns if t["who"] == "customer" and "feedback" not in t), "")
    triaged = triaged or triage_contact(desk, "Chat", asked[:2000])
    sure = triaged.category if triaged and triaged.category and not triaged.tags else None
    handoff = desk.bot.handoff
    priority = Priority(handoff.priority)
    if _critical(triaged):
        priority = Priority.CRITICAL
    body = _transcript_body(turns, articles, reason)
    command = CreateCase(
        customer_email=email,
        customer_name=name,
        subject=f"Chat: {(first or 'a question for the team').strip()}"[:300],
        body=body,
        channel=Channel.CHAT,
        category=sure or handoff.category,
        priority=priority,
        tags=["bot-handoff"],
    )
    plan = check_create_case(db, Principal.system(), desk, command)
    return HandoffPlan(command, plan, sure)


def _transcript_body(turns: list[dict[str, Any]], articles: list[str], reason: str | None) -> str:
    lines = [f"{t['who'].capitalize()}: {t['text']}" for t in turns]
    found = ", ".join(f"/help/{a}" for a in articles) or "none"
    return (
        "Chat with the support bot, handed off"
        + (f" ({reason})" if reason else "")
        + ".\n\n"
        + "\n".join(lines)
        + f"\n\nArticles the bot found: {found}"
    )[:200_000]


def _open_chat_case(session: Session, email: str) -> Case | None:
    customer_id = session.scalar(select(Customer.id).where(Customer.email == email))
    if customer_id is None:
        return None
    return session.scalars(
        select(Case)
        .where(
            Case.customer_id == customer_id,
            Case.channel == Channel.CHAT.value,
            Case.status.not_in(CLOSED),
        )
        .order_by(Case.id.desc())
        .limit(1)
    ).first()


def _hand_off(
    session: Session, desk: Desk, conversation: BotConversation, plan: HandoffPlan, now: datetime
) -> None:
    """Writes the hand-off in the caller's transaction; a conversation is handed off once."""
    if not ConversationState(conversation.state).bot_answers:
        return
    email = str(plan.command.customer_email)
    case = _open_chat_case(session, email)
    if case is not None:
        author = Principal(kind=ActorKind.CUSTOMER, id=case.customer_id)
        customer_wrote(
            session, desk, case, author, now, body=plan.command.body, channel=Channel.CHAT.value
        )
        metric = Metric.NEXT_RESPONSE
    else:
        written = write_new_case(session, now, desk, Principal.system(), plan.command, plan.plan)
        case = session.get(Case, written.id)
        assert case is not None  # written above, in this transaction
        metric = Metric.FIRST_RESPONSE
    session.flush()
    clock = session.scalars(
        select(SlaClockRow).where(
            SlaClockRow.case_id == case.id, SlaClockRow.metric == metric.value
        )
    ).first()
    told = expected_reply(
        clock.target_seconds if clock else None,
        bool(clock.business) if clock else False,
        clock.due_at if clock else None,
        desk.timezone,
    )
    conversation.state = ConversationState.HANDED_OFF.value
    conversation.case_id = case.id
    conversation.updated_at = now
    conversation.turns = [
        *conversation.turns,
        _turn(
            "bot", f"I have passed this to our team (case #{case.id}). {told}", now, handoff=True
        ),
    ]
    append_event(
        session,
        case.id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=(
            f"The bot handed the chat off ({conversation.handoff_reason}); the customer was told: "
            f"{told}"
        ),
        data={
            "bot_conversation": conversation.id,
            "state": ConversationState.HANDED_OFF.value,
            "reason": conversation.handoff_reason,
            "articles": list(conversation.articles),
            "triage_category": plan.triaged_category,
            "contact": email,
        },
    )


def _to_case(
    session: Session, desk: Desk, conversation: BotConversation, text: str, now: datetime
) -> None:
    """After the hand-off, what the customer writes is a message on the case."""
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    conversation.updated_at = now
    if case is None:
        return
    author = Principal(kind=ActorKind.CUSTOMER, id=case.customer_id)
    customer_wrote(session, desk, case, author, now, body=text, channel=Channel.CHAT.value)


def read_conversation(db: Database, clock: Clock, token: str) -> ConversationView:
    """The widget's poll: the conversation with the agents' replies on its case; the widget is
    open (replies go to it) and the replies it now shows are delivered."""
    now = clock.now()
    with db.transaction() as session:
        conversation = _load(session, token)
        conversation.last_seen_at = now
        view = _view(session, conversation)
        shown = [m["id"] for m in view.messages if m["who"] == "agent"]
        if conversation.case_id is not None:
            mark_widget_delivered(session, conversation.case_id, shown, now)
        return view


def _view(
    session: Session, conversation: BotConversation, reply: dict[str, Any] | None = None
) -> ConversationView:
    messages = list(conversation.turns)
    if conversation.case_id is not None:
        events = session.scalars(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == conversation.case_id,
                CaseEvent.kind == EventKind.MESSAGE_OUT.value,
            )
            .order_by(CaseEvent.id)
        ).all()
        for event in events:
            if (event.data or {}).get("recipient", "customer") == "customer":
                messages.append(_turn("agent", event.body or "", event.at, id=event.id))
        messages.sort(key=lambda m: m["at"])
    state = ConversationState(conversation.state)
    return ConversationView(
        token=conversation.token,
        state=state.value,
        messages=messages,
        case_id=conversation.case_id,
        handoff_reason=conversation.handoff_reason,
        needs_contact=state.bot_answers
        and conversation.handoff_reason is not None
        and conversation.customer_email is None,
        reply=reply,
    )
