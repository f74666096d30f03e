"""The demo's support-bot conversations: a handful of widget chats through the real bot, so the
bot report (answered vs handed off, by reason) has something to show on a fresh `make run`.

Anonymous visitors (no e-mail given): a hand-off that needs a person asks for an address and
opens no case, so the demo's cases stay those of demo/load.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from sopdesk.domain.clock import Clock
from sopdesk.domain.desk import Desk
from sopdesk.engine.bot_conversations import Say, StartConversation, do_say, do_start_conversation
from sopdesk.store.db import Database
from sopdesk.store.models import BotConversation

# Each chat: what one visitor types, turn after turn.
CHATS = (
    ("How do I create my first stamp card?",),
    ("Is there phone support?", "ok, thanks"),
    ("My package was stolen",),
    ("How long does support take to reply?",),
    ("How fast do you respond to a critical issue?",),
    ("Can I change the reward on a card that is already live?",),
    ("How long does delivery to Canada take?",),
    ("I want to talk to a real person please",),
)


def load_bot_chats(db: Database, clock: Clock, desk: Desk) -> int:
    """The demo chats, once: none are added where any conversation exists already."""
    with db.transaction(write=False) as session:
        if session.scalar(select(func.count()).select_from(BotConversation)):
            return 0
    for chat in CHATS:
        token = do_start_conversation(db, clock, StartConversation()).token
        for text in chat:
            do_say(db, clock, desk, token, Say(text=text))
    return len(CHATS)
