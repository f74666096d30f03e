"""A bot conversation's hand-off, as explicit state: pure rules.

    bot ──(a trigger)──> handed_off ──(an agent replies)──> human

While the state is `bot` the bot answers; a trigger (the customer says No often enough, asks for
a person, the bot is not sure, or the question is critical) hands the conversation off once, to
a case. From then on the bot never answers in it again: what the customer writes goes to the
case, so the bot cannot talk over a person or hand the same conversation off twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class ConversationState(StrEnum):
    BOT = "bot"  # the bot answers
    HANDED_OFF = "handed_off"  # a case has the conversation; waiting for a person
    HUMAN = "human"  # an agent has answered; the bot stays silent

    @property
    def bot_answers(self) -> bool:
        return self is ConversationState.BOT


# The reasons the bot's own reply gives (sopdesk.engine.bot.BotReply.reason) that hand off.
NO_ANSWER_REASONS = frozenset({"no-answer", "low-confidence", "language"})
SAID_NO = "customer-said-no"
ASKED_FOR_PERSON = "asked-for-person"
CRITICAL = "critical"
# Reasons that are not a hand-off: the bot asks the customer to say more.
NOT_A_HANDOFF = frozenset({"empty-question"})


def handoff_reason(
    state: ConversationState, bot_reason: str | None, *, critical: bool
) -> str | None:
    """Why this question hands the conversation off (None: the bot's reply stands)."""
    if not state.bot_answers:
        return None
    if critical:
        return CRITICAL
    if bot_reason is None or bot_reason in NOT_A_HANDOFF:
        return None
    return bot_reason


def handoff_after_feedback(
    state: ConversationState, unhelpful: int, after_unhelpful_answers: int
) -> str | None:
    """A No to "Did this answer your question?": hands off once the desk's count is reached."""
    if state.bot_answers and unhelpful >= after_unhelpful_answers:
        return SAID_NO
    return None


def after_agent_reply(state: ConversationState) -> ConversationState:
    """A person answered the case: a handed-off conversation is now theirs."""
    return ConversationState.HUMAN if state is ConversationState.HANDED_OFF else state


def duration_in_words(seconds: float) -> str:
    """A target as people say it: "1 hour", "4 hours", "30 minutes", "2 days"."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes / 60
    if hours < 48 or hours != int(hours) or int(hours) % 24:
        shown = int(hours) if hours == int(hours) else round(hours, 1)
        return f"{shown} hour{'s' if shown != 1 else ''}"
    days = int(hours) // 24
    return f"{days} day{'s' if days != 1 else ''}"


def expected_reply(
    target_seconds: float | None, business: bool, due_at: datetime | None, timezone: str
) -> str:
    """What the customer is told about when a person answers, from the SLA target that applies."""
    if target_seconds is None:
        return "Our team will answer you as soon as possible."
    span = duration_in_words(target_seconds)
    if business:
        span += " of our business hours"
    text = f"Our team will answer you within {span}"
    if due_at is not None:
        local = due_at.astimezone(ZoneInfo(timezone))
        text += f", by {local:%H:%M} on {local:%a %d %b} ({timezone})"
    return text + "."
