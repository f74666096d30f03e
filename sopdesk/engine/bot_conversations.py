"""A customer's conversation with the support bot (the chat widget, or the API): questions
answered from the help articles until a hand-off, then the case that a person answers.

The hand-off (sopdesk.engine.bot_handoff) is an engine step over explicit state
(sopdesk.domain.handoff): it creates the
case through the case core (`check_create_case` + `write_new_case`) or continues the customer's
open chat case (`customer_wrote`), with the transcript, the articles the bot found, the triage
category when triage is sure, and the contact; tells the customer when to expect a person (the
SLA clock that now runs); and happens once. After it the bot never answers in the conversation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.domain.handoff import (
    ASKED_FOR_PERSON,
    ConversationState,
    handoff_after_feedback,
    handoff_reason,
)
from sopdesk.engine.bot import BotReply, ask, incident_text, with_incidents
from sopdesk.engine.bot_handoff import (
    hand_off,
    is_critical,
    load_conversation,
    message_to_case,
    plan_handoff,
    turn,
)
from sopdesk.engine.triage_intake import triage_contact
from sopdesk.engine.widget_sessions import mark_widget_delivered
from sopdesk.errors import Conflict
from sopdesk.store.db import Database
from sopdesk.store.models import BotConversation, CaseEvent

MAX_TURNS = 200  # a conversation longer than this is a case already


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


def do_say(db: Database, clock: Clock, desk: Desk, token: str, command: Say) -> ConversationView:
    """The customer writes: the bot answers (or hands off) while it owns the conversation;
    after the hand-off the message goes to the case and the bot says nothing."""
    with db.transaction(write=False) as session:
        state = ConversationState(load_conversation(session, token).state)
    reply: BotReply | None = None
    triaged = None
    if state.bot_answers:
        reply = with_incidents(db, desk, clock.now(), command.text, ask(db, desk, command.text))
        triaged = triage_contact(desk, "Chat", command.text[:2000])
    now = clock.now()
    with db.transaction() as session:
        conversation = load_conversation(session, token)
        if len(conversation.turns) >= MAX_TURNS:
            raise Conflict("this chat is too long; please write to us by e-mail")
        turns = [*conversation.turns, turn("customer", command.text, now)]
        if not ConversationState(conversation.state).bot_answers or reply is None:
            conversation.turns = turns
            message_to_case(session, desk, conversation, command.text, now)
            return _view(session, conversation)
        articles = [c.article for c in reply.citations]
        for incident in reply.incidents:  # said first: a known incident on what they ask about
            turns.append(turn("bot", incident_text(incident), now, incident=incident["id"]))
        turns.append(turn("bot", reply.text, now, articles=articles, answered=reply.answered))
        conversation.turns = turns
        conversation.articles = [
            *conversation.articles,
            *(a for a in articles if a not in conversation.articles),
        ]
        reason = handoff_reason(
            ConversationState(conversation.state),
            reply.reason if reply.handoff else None,
            critical=is_critical(triaged),
        )
        conversation.updated_at = now
        if reason is not None:
            conversation.handoff_reason = reason
    if reason is not None and _contact_of(db, token) is not None:
        plan = plan_handoff(db, desk, token, triaged)
        with db.transaction() as session:
            conversation = load_conversation(session, token)
            hand_off(session, desk, conversation, plan, now)
    with db.transaction(write=False) as session:
        return _view(session, load_conversation(session, token), reply=_reply_json(reply))


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
        return load_conversation(session, token).customer_email


def do_feedback(
    db: Database, clock: Clock, desk: Desk, token: str, helpful: bool
) -> ConversationView:
    """The customer's answer to "Did this answer your question?": a No hands off once the
    desk's `handoff.after_unhelpful_answers` is reached."""
    now = clock.now()
    with db.transaction() as session:
        conversation = load_conversation(session, token)
        conversation.turns = [
            *conversation.turns,
            turn("customer", "Yes" if helpful else "No", now, feedback=helpful),
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
        plan = plan_handoff(db, desk, token, None)
        with db.transaction() as session:
            hand_off(session, desk, load_conversation(session, token), plan, now)
    with db.transaction(write=False) as session:
        return _view(session, load_conversation(session, token))


def do_handoff(
    db: Database, clock: Clock, desk: Desk, token: str, contact: Contact | None
) -> ConversationView:
    """The customer asks for a person (or gives the address a due hand-off was waiting for)."""
    now = clock.now()
    with db.transaction() as session:
        conversation = load_conversation(session, token)
        if contact is not None:
            conversation.customer_email = str(contact.email)
            conversation.customer_name = contact.name.strip() or conversation.customer_name
        if conversation.customer_email is None:
            raise Conflict("give an e-mail address so that our team can answer you")
        conversation.handoff_reason = conversation.handoff_reason or ASKED_FOR_PERSON
        handing = ConversationState(conversation.state).bot_answers
    if handing:
        plan = plan_handoff(db, desk, token, None)
        with db.transaction() as session:
            hand_off(session, desk, load_conversation(session, token), plan, now)
    with db.transaction(write=False) as session:
        return _view(session, load_conversation(session, token))


def read_conversation(db: Database, clock: Clock, token: str) -> ConversationView:
    """The widget's poll: the conversation with the agents' replies on its case; the widget is
    open (replies go to it) and the replies it now shows are delivered."""
    now = clock.now()
    with db.transaction() as session:
        conversation = load_conversation(session, token)
        conversation.last_seen_at = now
        view = _view(session, conversation)
        shown = [m["id"] for m in view.messages if m["who"] == "agent"]
        if conversation.case_id is not None:
            mark_widget_delivered(session, conversation.case_id, shown, now)
        return view


def peek_conversation(db: Database, token: str) -> ConversationView:
    """The conversation as the widget would see it, read only (the live stream checks it
    every second; `read_conversation` marks it seen when something changed)."""
    with db.transaction(write=False) as session:
        return _view(session, load_conversation(session, token))


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
                messages.append(turn("agent", event.body or "", event.at, id=event.id))
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
