"""POST /api/v1/bot/ask: answers only from the help articles, with a citation, or hands off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sopdesk.desk import load_desk
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.kb import feedback_counts, sync_kb
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.web.api.bot import QUESTIONS_PER_MINUTE
from sopdesk.web.app import create_app


@pytest.fixture
def bot_runtime(db: Database, desk_dir: Path, clock: ManualClock) -> Runtime:
    settings = Settings(desk=desk_dir, database_url=db.url, max_attachment_bytes=2 * 1024 * 1024)
    desk = load_desk(desk_dir)
    sync_kb(db, desk)
    return Runtime(settings=settings, db=db, desk=desk, clock=clock)


@pytest.fixture
def bot_client(bot_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(bot_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def ask(client: TestClient, question: str) -> dict:
    response = client.post("/api/v1/bot/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_answered_question_quotes_the_article_and_cites_it(
    bot_client: TestClient, bot_runtime: Runtime
) -> None:
    reply = ask(bot_client, "How much does premium consultation cost per hour?")
    assert reply["answered"] is True and reply["handoff"] is False
    assert "$195/hour" in reply["text"]
    assert reply["citations"] == [
        {
            "article": "premium-consultation",
            "title": "Premium consultation",
            "url": "/help/premium-consultation",
        }
    ]
    assert reply["feedback_question"] == "Did this answer your question?"
    body = bot_runtime.desk.articles["premium-consultation"].body.replace("**", "")
    assert all(sentence in " ".join(body.split()) for sentence in reply["text"].split(". "))


def test_a_citation_links_the_heading_anchor(bot_client: TestClient) -> None:
    reply = ask(bot_client, "I added a stamp by mistake, how do I undo it?")
    assert reply["answered"] is True
    assert reply["citations"][0]["url"] == "/help/add-stamps#remove-a-stamp-added-by-mistake"
    assert "Undo" in reply["text"]


def test_a_question_no_article_answers_is_handed_off(bot_client: TestClient) -> None:
    reply = ask(bot_client, "What is the capital of Australia?")
    assert reply["answered"] is False and reply["handoff"] is True
    assert reply["reason"] in ("low-confidence", "no-answer")
    assert reply["citations"] == []


def test_asking_for_a_person_hands_off_at_once(bot_client: TestClient) -> None:
    reply = ask(bot_client, "I want to talk to a human about my invoice")
    assert (reply["handoff"], reply["reason"]) == (True, "asked-for-person")


def test_a_language_the_desk_does_not_list_is_handed_off(bot_client: TestClient) -> None:
    reply = ask(bot_client, "Comment est-ce que je peux annuler mon abonnement pour le mois?")
    assert (reply["handoff"], reply["reason"]) == (True, "language")


def test_a_german_question_is_answered_from_the_german_article(bot_client: TestClient) -> None:
    reply = ask(bot_client, "Mein Paket wurde gestohlen, was soll ich tun?")
    assert reply["answered"] is True
    assert reply["citations"][0]["article"] == "paket-verloren"


def test_a_1_mb_question_gets_an_answer_or_a_handoff(bot_client: TestClient) -> None:
    reply = ask(bot_client, "How do I cancel my subscription? " + "x" * 1024 * 1024)
    assert reply["answered"] or reply["handoff"]


@pytest.mark.parametrize("question", ["", "   ", "?!?", "\x00\x01"])
def test_an_empty_question_is_handed_off(bot_client: TestClient, question: str) -> None:
    reply = ask(bot_client, question)
    assert reply["handoff"] is True and reply["answered"] is False


def test_an_empty_kb_hands_off(bot_runtime: Runtime, bot_client: TestClient) -> None:
    sync_kb(bot_runtime.db, bot_runtime.desk.model_copy(update={"articles": {}}))
    reply = ask(bot_client, "How much does premium consultation cost?")
    assert (reply["handoff"], reply["reason"]) == (True, "no-answer")


def test_100_questions_a_second_from_one_client_get_429s(bot_client: TestClient) -> None:
    codes = [
        bot_client.post("/api/v1/bot/ask", json={"question": "stamp card"}).status_code
        for _ in range(100)
    ]
    assert codes[:QUESTIONS_PER_MINUTE] == [200] * QUESTIONS_PER_MINUTE
    assert set(codes[QUESTIONS_PER_MINUTE:]) == {429}
    problem = bot_client.post("/api/v1/bot/ask", json={"question": "x"}).json()
    assert "too many questions" in problem["detail"]


def test_the_limit_lifts_after_a_minute(bot_client: TestClient, clock: ManualClock) -> None:
    for _ in range(QUESTIONS_PER_MINUTE):
        bot_client.post("/api/v1/bot/ask", json={"question": "stamp"})
    assert bot_client.post("/api/v1/bot/ask", json={"question": "stamp"}).status_code == 429
    clock.advance(timedelta(minutes=1))
    assert bot_client.post("/api/v1/bot/ask", json={"question": "stamp"}).status_code == 200


def test_a_malformed_body_is_a_422_not_a_500(bot_client: TestClient) -> None:
    assert bot_client.post("/api/v1/bot/ask", json={"question": 5}).status_code == 422
    assert bot_client.post("/api/v1/bot/ask", content=b"not json").status_code == 422


def test_feedback_on_a_bot_answer_is_counted(bot_client: TestClient, bot_runtime: Runtime) -> None:
    response = bot_client.post(
        "/api/v1/bot/feedback", json={"article": "billing", "helpful": False}
    )
    assert response.status_code == 200
    assert feedback_counts(bot_runtime.db, "billing") == (0, 1)
    missing = bot_client.post("/api/v1/bot/feedback", json={"article": "nope", "helpful": True})
    assert missing.status_code == 404
