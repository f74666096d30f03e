"""The hand-off's state rules: which triggers hand off, only from `bot`, once; the agent joining;
and the response time told in words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sopdesk.domain.handoff import (
    CRITICAL,
    SAID_NO,
    ConversationState,
    after_agent_reply,
    duration_in_words,
    expected_reply,
    handoff_after_feedback,
    handoff_reason,
)

BOT, HANDED_OFF, HUMAN = (
    ConversationState.BOT,
    ConversationState.HANDED_OFF,
    ConversationState.HUMAN,
)


@pytest.mark.parametrize(
    ("state", "reason", "critical", "expected"),
    [
        (BOT, None, False, None),  # an answer: the bot keeps the conversation
        (BOT, "no-answer", False, "no-answer"),
        (BOT, "low-confidence", False, "low-confidence"),
        (BOT, "asked-for-person", False, "asked-for-person"),
        (BOT, "empty-question", False, None),  # the bot asks them to say more
        (BOT, None, True, CRITICAL),  # a critical question hands off even when answered
        (HANDED_OFF, "no-answer", True, None),  # at most once
        (HUMAN, "asked-for-person", False, None),
    ],
)
def test_what_hands_a_conversation_off(
    state: ConversationState, reason: str | None, critical: bool, expected: str | None
) -> None:
    assert handoff_reason(state, reason, critical=critical) == expected


def test_no_hands_off_when_the_desk_s_count_is_reached_and_only_from_the_bot() -> None:
    assert handoff_after_feedback(BOT, 1, 2) is None
    assert handoff_after_feedback(BOT, 2, 2) == SAID_NO
    assert handoff_after_feedback(HANDED_OFF, 5, 1) is None


def test_an_agent_reply_makes_a_handed_off_chat_theirs_and_nothing_else() -> None:
    assert after_agent_reply(HANDED_OFF) is HUMAN
    assert after_agent_reply(BOT) is BOT
    assert after_agent_reply(HUMAN) is HUMAN
    assert BOT.bot_answers and not HANDED_OFF.bot_answers and not HUMAN.bot_answers


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (60, "1 minute"),
        (1800, "30 minutes"),
        (3600, "1 hour"),
        (5400, "1.5 hours"),
        (86400, "24 hours"),
        (172800, "2 days"),
    ],
)
def test_targets_in_words(seconds: float, words: str) -> None:
    assert duration_in_words(seconds) == words


def test_the_customer_is_told_the_target_and_the_local_due_time() -> None:
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    told = expected_reply(3600, False, due, "Europe/Berlin")
    assert told == "Our team will answer you within 1 hour, by 10:00 on Mon 23 Nov (Europe/Berlin)."
    assert "of our business hours" in expected_reply(14400, True, None, "Europe/Berlin")
    assert (
        expected_reply(None, False, None, "UTC") == "Our team will answer you as soon as possible."
    )
