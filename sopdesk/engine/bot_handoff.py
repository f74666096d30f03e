"""The hand-off of a bot conversation to the team, in the caller's transaction: the case it
creates through the case core (`check_create_case` + `write_new_case`) or the open chat case
it continues (`customer_wrote`), and what the customer and the timeline are told.

State rules are sopdesk.domain.handoff; the conversation door is sopdesk.engine.bot_conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import ActorKind, CaseStatus, Channel, EventKind, Priority
from sopdesk.domain.desk import Desk
from sopdesk.domain.handoff import ConversationState, expected_reply
from sopdesk.domain.principal import Principal
from sopdesk.domain.sla import Metric
from sopdesk.engine.customer_messages import customer_wrote
from sopdesk.engine.new_cases import CasePlan, CreateCase, check_create_case, write_new_case
from sopdesk.engine.timeline import append_event
from sopdesk.engine.triage_intake import Triaged, triage_contact
from sopdesk.errors import NotFound
from sopdesk.store.db import Database
from sopdesk.store.models import BotConversation, Case, Customer, SlaClockRow

CLOSED = (CaseStatus.SOLVED.value, CaseStatus.CLOSED.value)


def load_conversation(session: Session, token: str) -> BotConversation:
    conversation = session.scalars(
        select(BotConversation).where(BotConversation.token == token)
    ).first()
    if conversation is None:
        raise NotFound("this chat has ended or never existed; start a new one")
    return conversation


def turn(who: str, text: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"who": who, "text": text, "at": at.isoformat(), **extra}


def is_critical(triaged: Triaged | None) -> bool:
    return triaged is not None and triaged.priority is Priority.CRITICAL


@dataclass(frozen=True)
class HandoffPlan:
    command: CreateCase
    plan: CasePlan
    triaged_category: str | None


def _customer_text(turns: list[dict[str, Any]]) -> str:
    return "\n".join(t["text"] for t in turns if t["who"] == "customer" and "feedback" not in t)


def plan_handoff(db: Database, desk: Desk, token: str, triaged: Triaged | None) -> HandoffPlan:
    """The case a hand-off would create, validated through the case core's check."""
    with db.transaction(write=False) as session:
        conversation = load_conversation(session, token)
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
    if is_critical(triaged):
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


def hand_off(
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
        turn("bot", f"I have passed this to our team (case #{case.id}). {told}", now, handoff=True),
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


def message_to_case(
    session: Session, desk: Desk, conversation: BotConversation, text: str, now: datetime
) -> None:
    """After the hand-off, what the customer writes is a message on the case."""
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    conversation.updated_at = now
    if case is None:
        return
    author = Principal(kind=ActorKind.CUSTOMER, id=case.customer_id)
    customer_wrote(session, desk, case, author, now, body=text, channel=Channel.CHAT.value)
