"""The chat widget's side of a case: whether the customer has the widget open (a reply goes
there), a person joining a handed-off conversation, and widget messages marked delivered.

Bottom layer: delivery and replies (the case core) ask it; the bot's conversation door writes
the conversations themselves (sopdesk.engine.bot_conversations).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.handoff import ConversationState, after_agent_reply
from sopdesk.domain.principal import Principal
from sopdesk.engine.outbox import DELIVERED, PENDING, OutboxKind
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import BotConversation, Case, OutboxMessage

# A widget that polled within this long is open: the customer sees a reply there at once.
WIDGET_OPEN = timedelta(minutes=2)


def conversation_of_case(session: Session, case_id: int) -> BotConversation | None:
    """The latest widget conversation handed off to this case, if any."""
    return session.scalars(
        select(BotConversation)
        .where(BotConversation.case_id == case_id)
        .order_by(BotConversation.id.desc())
        .limit(1)
    ).first()


def widget_open(session: Session, case: Case, now: datetime) -> bool:
    conversation = conversation_of_case(session, case.id)
    return conversation is not None and now - conversation.last_seen_at <= WIDGET_OPEN


def human_joined(session: Session, case: Case, now: datetime, agent: Principal) -> None:
    """A person answered the customer on this case: its handed-off conversation becomes theirs
    (the bot stays silent in it), on the timeline once."""
    conversation = conversation_of_case(session, case.id)
    if conversation is None:
        return
    state = ConversationState(conversation.state)
    new = after_agent_reply(state)
    if new is state:
        return
    conversation.state = new.value
    conversation.updated_at = now
    append_event(
        session,
        case.id,
        EventKind.NOTE,
        now,
        Principal.system(),
        body=f"{agent.name or 'An agent'} joined the chat; the bot stays silent in it.",
        data={"bot_conversation": conversation.id, "state": new.value},
    )


def mark_widget_delivered(
    session: Session, case_id: int, event_ids: list[int], now: datetime
) -> None:
    """The widget showed these messages: their pending widget rows are delivered."""
    if not event_ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.case_id == case_id,
            OutboxMessage.kind == OutboxKind.WIDGET.value,
            OutboxMessage.status == PENDING,
            OutboxMessage.event_id.in_(event_ids),
        )
        .values(status=DELIVERED, delivered_at=now)
    )
