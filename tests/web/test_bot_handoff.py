"""The bot's hand-off as explicit state, through the public conversation API: every transition
(No, a request for a person, low confidence, a critical question, no address yet), the case it
creates or continues, what the customer is told, the agent joining, and the bot staying silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sopdesk.desk import load_desk
from sopdesk.domain.cases import EventKind
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.kb import sync_kb
from sopdesk.engine.outbox import OutboxKind
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.store.db import Database
from sopdesk.store.models import Case, CaseEvent, OutboxMessage
from sopdesk.web.app import create_app
from tests.web.conftest import Persona

ANSWERED = "How much does premium consultation cost per hour?"


@pytest.fixture
def chat_runtime(db: Database, desk_dir: Path, clock: ManualClock) -> Runtime:
    desk = load_desk(desk_dir)
    sync_kb(db, desk)
    return Runtime(
        settings=Settings(desk=desk_dir, database_url=db.url), db=db, desk=desk, clock=clock
    )


@pytest.fixture
def chat(chat_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(chat_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


def start(chat: TestClient, email: str | None = "maria@example.com") -> str:
    response = chat.post("/api/v1/bot/conversations", json={"email": email, "name": "Maria"})
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "bot"
    return str(response.json()["token"])


def say(chat: TestClient, token: str, text: str) -> dict:
    response = chat.post(f"/api/v1/bot/conversations/{token}/messages", json={"text": text})
    assert response.status_code == 200, response.text
    return dict(response.json())


def no(chat: TestClient, token: str) -> dict:
    response = chat.post(f"/api/v1/bot/conversations/{token}/feedback", json={"helpful": False})
    assert response.status_code == 200, response.text
    return dict(response.json())


def events(runtime: Runtime, case_id: int, kind: EventKind) -> list[CaseEvent]:
    with runtime.db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind.value)
                .order_by(CaseEvent.id)
            )
        )


def cases(runtime: Runtime) -> int:
    with runtime.db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_an_answer_keeps_the_conversation_with_the_bot(
    chat: TestClient, chat_runtime: Runtime
) -> None:
    token = start(chat)
    view = say(chat, token, ANSWERED)
    assert view["state"] == "bot" and view["case_id"] is None
    assert view["reply"]["answered"] is True
    assert view["reply"]["citations"][0]["url"].startswith("/help/premium-consultation")
    assert [m["who"] for m in view["messages"]] == ["customer", "bot"]
    assert cases(chat_runtime) == 0


def test_no_hands_off_once_with_the_transcript_articles_contact_and_the_sla_in_words(
    chat: TestClient, chat_runtime: Runtime
) -> None:
    token = start(chat)
    say(chat, token, ANSWERED)
    view = no(chat, token)
    assert view["state"] == "handed_off" and view["handoff_reason"] == "customer-said-no"
    case_id = view["case_id"]
    with chat_runtime.db.transaction(write=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        # Triage is sure of this one's category; a chat it is not sure of gets the desk's
        # `bot.handoff.category` (the next tests).
        assert case.channel == "chat" and case.category == "premium-consultation"
        assert "bot-handoff" in case.tags
    first = events(chat_runtime, case_id, EventKind.MESSAGE_IN)[0]
    assert ANSWERED in (first.body or "") and "/help/premium-consultation" in (first.body or "")
    assert first.data["from"] == "maria@example.com"
    note = [e for e in events(chat_runtime, case_id, EventKind.NOTE) if e.data.get("state")]
    assert note[0].data["state"] == "handed_off"
    assert note[0].data["articles"] == ["premium-consultation"]
    assert note[0].data["triage_category"] == "premium-consultation"
    assert note[0].data["contact"] == "maria@example.com"
    told = view["messages"][-1]
    assert told["who"] == "bot" and f"case #{case_id}" in told["text"]
    assert "Our team will answer you within" in told["text"]
    # Once handed off, a second No or a question neither hands off again nor gets a bot answer.
    again = no(chat, token)
    later = say(chat, token, ANSWERED)
    assert again["case_id"] == case_id and later["reply"] is None
    assert later["messages"][-1]["who"] == "customer"
    assert cases(chat_runtime) == 1
    assert events(chat_runtime, case_id, EventKind.MESSAGE_IN)[-1].body == ANSWERED


def test_asking_for_a_person_hands_off(chat: TestClient, chat_runtime: Runtime) -> None:
    token = start(chat)
    view = say(chat, token, "I want to talk to a human please")
    assert view["state"] == "handed_off" and view["handoff_reason"] == "asked-for-person"
    assert view["reply"]["answered"] is False
    with chat_runtime.db.transaction(write=False) as session:
        case = session.get(Case, view["case_id"])
        assert case is not None and case.category == "bot-handoff"


def test_a_question_no_article_answers_hands_off(chat: TestClient) -> None:
    token = start(chat)
    view = say(chat, token, "Can you recommend a good pizza recipe with anchovies?")
    assert view["state"] == "handed_off"
    assert view["handoff_reason"] in ("no-answer", "low-confidence")


def test_a_critical_question_hands_off_as_a_critical_case(
    chat: TestClient, chat_runtime: Runtime
) -> None:
    token = start(chat)
    view = say(
        chat, token, "URGENT: the whole platform is down, no stamp cards can be issued, outage!"
    )
    assert view["state"] == "handed_off", view
    with chat_runtime.db.transaction(write=False) as session:
        case = session.get(Case, view["case_id"])
        assert case is not None
        if view["handoff_reason"] == "critical":
            assert case.priority == "critical"


def test_without_an_address_the_hand_off_waits_for_one(
    chat: TestClient, chat_runtime: Runtime
) -> None:
    token = start(chat, email=None)
    say(chat, token, ANSWERED)
    view = no(chat, token)
    assert view["state"] == "bot" and view["needs_contact"] is True and cases(chat_runtime) == 0
    refused = chat.post(f"/api/v1/bot/conversations/{token}/handoff", json={})
    assert refused.status_code == 409
    bad = chat.post(f"/api/v1/bot/conversations/{token}/handoff", json={"email": "not-mail"})
    assert bad.status_code == 422
    done = chat.post(
        f"/api/v1/bot/conversations/{token}/handoff", json={"email": "ana@example.com"}
    ).json()
    assert done["state"] == "handed_off" and done["handoff_reason"] == "customer-said-no"
    twice = chat.post(f"/api/v1/bot/conversations/{token}/handoff", json={}).json()
    assert twice["case_id"] == done["case_id"] and cases(chat_runtime) == 1


def test_a_second_chat_continues_the_customer_s_open_chat_case(
    chat: TestClient, chat_runtime: Runtime
) -> None:
    first = say(chat, start(chat), "talk to a person")
    second = say(chat, start(chat), "I need a human agent")
    assert second["case_id"] == first["case_id"] and cases(chat_runtime) == 1
    assert len(events(chat_runtime, first["case_id"], EventKind.MESSAGE_IN)) == 2


def test_the_agent_joins_the_reply_goes_to_the_open_widget_and_the_bot_stays_silent(
    chat: TestClient, chat_runtime: Runtime, people: dict[str, Persona]
) -> None:
    token = start(chat)
    case_id = say(chat, token, "talk to a person")["case_id"]
    assert chat.get(f"/api/v1/bot/conversations/{token}").status_code == 200  # the widget polls
    reply = chat.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"kind": "reply", "body": "Hello Maria, Sam here. How can I help?"},
        headers=people["admin"].headers,
    )
    assert reply.status_code == 201, reply.text
    with chat_runtime.db.transaction(write=False) as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).one()
        assert row.kind == OutboxKind.WIDGET.value and row.status == "pending"
    view = chat.get(f"/api/v1/bot/conversations/{token}").json()
    assert view["state"] == "human"
    assert view["messages"][-1]["who"] == "agent" and "Sam here" in view["messages"][-1]["text"]
    with chat_runtime.db.transaction(write=False) as session:
        assert session.get(OutboxMessage, row.id).status == "delivered"  # type: ignore[union-attr]
    joined = [
        e for e in events(chat_runtime, case_id, EventKind.NOTE) if e.data.get("state") == "human"
    ]
    assert len(joined) == 1 and "joined the chat" in (joined[0].body or "")
    after = say(chat, token, ANSWERED)
    assert after["reply"] is None and after["state"] == "human"


def test_a_closed_widget_gets_the_reply_by_e_mail(
    chat: TestClient, chat_runtime: Runtime, clock: ManualClock, people: dict[str, Persona]
) -> None:
    token = start(chat)
    case_id = say(chat, token, "talk to a person")["case_id"]
    clock.advance(timedelta(minutes=10))
    chat.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"kind": "reply", "body": "Answer by mail"},
        headers=people["admin"].headers,
    )
    with chat_runtime.db.transaction(write=False) as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)).one()
        assert row.kind == OutboxKind.MESSAGE.value


def test_an_unknown_conversation_is_a_404_problem(chat: TestClient) -> None:
    response = chat.post("/api/v1/bot/conversations/nope/messages", json={"text": "hi"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_bot_says_first_that_there_is_a_known_incident_on_what_is_asked(
    chat: TestClient, people: dict[str, Persona]
) -> None:
    question = "My wallet passes do not update in Apple Wallet, why?"
    quiet = chat.post("/api/v1/bot/ask", json={"question": question}).json()
    assert quiet["incidents"] == []
    opened = chat.post(
        "/api/v1/status/incidents",
        json={
            "title": "Wallet passes do not refresh",
            "body": "We are looking into passes that show old stamps.",
            "components": {"wallet-passes": "partial_outage"},
        },
        headers=people["admin"].headers,
    )
    assert opened.status_code == 201, opened.text
    asked = chat.post("/api/v1/bot/ask", json={"question": question}).json()
    assert [i["title"] for i in asked["incidents"]] == ["Wallet passes do not refresh"]
    assert asked["incidents"][0]["url"] == f"/status#incident-{opened.json()['id']}"
    token = start(chat)
    view = say(chat, token, question)
    bot_turns = [m for m in view["messages"] if m["who"] == "bot"]
    assert bot_turns[0]["text"].startswith("Known incident: Wallet passes do not refresh")
    unrelated = chat.post("/api/v1/bot/ask", json={"question": ANSWERED}).json()
    assert unrelated["incidents"] == []
