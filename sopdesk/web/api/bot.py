"""The support bot, anonymous and rate-limited: POST /api/v1/bot/ask and /bot/feedback (one
question), and /bot/conversations (the chat widget: a conversation with its hand-off).

The bot answers only from the help articles (sopdesk.engine.bot); this module translates.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, EmailStr, Field

from sopdesk.engine.bot import ask, with_incidents
from sopdesk.engine.bot_conversations import (
    Contact,
    Say,
    StartConversation,
    do_feedback,
    do_handoff,
    do_say,
    do_start_conversation,
    read_conversation,
)
from sopdesk.engine.kb import record_feedback
from sopdesk.errors import NotFound
from sopdesk.web.auth import Rt
from sopdesk.web.permissions import needs
from sopdesk.web.ratelimit import RateLimit

router = APIRouter(prefix="/bot", tags=["bot"])
QUESTIONS_PER_MINUTE = 30  # per client address; a person types far fewer


class Question(BaseModel):
    question: str = Field(
        description="What the customer asks; only its first 2,000 characters count"
    )


class Feedback(BaseModel):
    article: str = Field(max_length=200)
    helpful: bool


def bot_limit(request: Request) -> RateLimit:
    state = request.app.state
    if not hasattr(state, "bot_limit"):
        state.bot_limit = RateLimit(QUESTIONS_PER_MINUTE, timedelta(minutes=1), "questions")
    limit: RateLimit = state.bot_limit
    return limit


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/ask",
    dependencies=[needs("bot.ask")],
    summary="Ask the support bot; it answers from the help articles or hands off",
)
def ask_bot(body: Question, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    runtime.reload_desk_if_changed()
    reply = ask(runtime.db, runtime.desk, body.question)
    reply = with_incidents(runtime.db, runtime.desk, runtime.clock.now(), body.question, reply)
    return asdict(reply)


@router.post(
    "/feedback",
    dependencies=[needs("bot.ask")],
    summary='Count an answer to "Did this answer your question?"',
)
def feedback(body: Feedback, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    if body.article not in runtime.desk.articles:
        raise NotFound(f"there is no help article '{body.article}'")
    record_feedback(runtime.db, body.article, body.helpful, "bot", runtime.clock.now())
    return {"article": body.article, "helpful": body.helpful}


class ConversationFeedback(BaseModel):
    helpful: bool


class HandoffBody(BaseModel):
    email: EmailStr | None = None
    name: str = Field(default="", max_length=200)


POLLS_PER_MINUTE = 120  # the widget polls every few seconds while it is open


def poll_limit(request: Request) -> RateLimit:
    state = request.app.state
    if not hasattr(state, "bot_poll_limit"):
        state.bot_poll_limit = RateLimit(POLLS_PER_MINUTE, timedelta(minutes=1), "requests")
    limit: RateLimit = state.bot_poll_limit
    return limit


@router.post(
    "/conversations",
    dependencies=[needs("bot.ask")],
    status_code=201,
    summary="Start a chat with the bot (the widget's first call)",
)
def start_conversation(body: StartConversation, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    return asdict(do_start_conversation(runtime.db, runtime.clock, body))


@router.get(
    "/conversations/{token}",
    dependencies=[needs("bot.ask")],
    summary="The chat so far, with the team's replies",
)
def get_conversation(token: str, request: Request, runtime: Rt) -> dict[str, Any]:
    poll_limit(request).hit(client_key(request), runtime.clock.now())
    return asdict(read_conversation(runtime.db, runtime.clock, token))


@router.post(
    "/conversations/{token}/messages",
    dependencies=[needs("bot.ask")],
    summary="The customer writes: the bot answers, or after a hand-off the team gets it",
)
def say(token: str, body: Say, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    runtime.reload_desk_if_changed()
    return asdict(do_say(runtime.db, runtime.clock, runtime.desk, token, body))


@router.post(
    "/conversations/{token}/feedback",
    dependencies=[needs("bot.ask")],
    summary='The answer to "Did this answer your question?"; a No hands off',
)
def conversation_feedback(
    token: str, body: ConversationFeedback, request: Request, runtime: Rt
) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    view = do_feedback(runtime.db, runtime.clock, runtime.desk, token, body.helpful)
    return asdict(view)


@router.post(
    "/conversations/{token}/handoff",
    dependencies=[needs("bot.ask")],
    summary="Ask for a person (with an address)",
)
def handoff(token: str, body: HandoffBody, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    contact = Contact(email=body.email, name=body.name) if body.email else None
    return asdict(do_handoff(runtime.db, runtime.clock, runtime.desk, token, contact))
