"""The bot engine on both retrieval paths: lexical (no model needed) and dense."""

from __future__ import annotations

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.desk import Desk
from sopdesk.engine.bot import ask, load_scorers
from sopdesk.engine.kb import sync_kb
from sopdesk.packs import pack_path
from sopdesk.store.db import Database


@pytest.fixture(scope="module")
def starter() -> Desk:
    return load_desk(pack_path("starter"))


@pytest.mark.parametrize("dense", [False, True], ids=["lexical", "dense"])
def test_both_paths_answer_and_hand_off(db: Database, starter: Desk, dense: bool) -> None:
    sync_kb(db, starter)
    answered = ask(db, starter, "How do I reset my password?", dense=dense)
    assert answered.answered and answered.path == ("dense" if dense else "lexical")
    assert answered.citations[0].url == "/help/team-accounts#reset-a-password"
    refused = ask(db, starter, "Can you recommend a good pizza place?", dense=dense)
    assert refused.handoff and not refused.answered


def test_the_desk_threshold_decides(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    strict = starter.model_copy(update={"bot": starter.bot.model_copy(update={"confidence": 1.0})})
    reply = ask(db, strict, "How do I reset my password?", dense=False)
    assert (reply.handoff, reply.reason) == (True, "low-confidence")
    assert 0 < reply.confidence < 1


def test_a_disabled_bot_always_hands_off(db: Database, starter: Desk) -> None:
    sync_kb(db, starter)
    off = starter.model_copy(update={"bot": starter.bot.model_copy(update={"enabled": False})})
    assert ask(db, off, "How do I reset my password?", dense=False).reason == "bot-disabled"


def test_the_shipped_model_has_both_paths() -> None:
    scorers = load_scorers()
    assert set(scorers) == {"lexical", "dense"}
    assert scorers["lexical"].dense_weight == 0.0
    assert 0.0 < scorers["dense"].dense_weight <= 1.0
