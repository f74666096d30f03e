"""The support bot, anonymous and rate-limited: POST /api/v1/bot/ask and /bot/feedback (one
question), and /bot/conversations (the chat widget: a conversation with its hand-off).

The bot answers only from the help articles (sopdesk.engine.bot); this module translates.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, EmailStr, Field
from starlette.concurrency import run_in_threadpool

from sopdesk.engine.bot import ask, with_incidents
from sopdesk.engine.bot_conversations import (
    Contact,
    ConversationView,
    Say,
    StartConversation,
    do_feedback,
    do_handoff,
    do_say,
    do_start_conversation,
    peek_conversation,
    read_conversation,
)
from sopdesk.engine.kb import record_feedback
from sopdesk.errors import NotFound
from sopdesk.runtime import Runtime
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


STREAM_SECONDS = 120.0  # then the stream ends and the browser's EventSource reconnects
CHECK_SECONDS = 1.0  # how often the stream looks at the database (any web process wrote it)
SEEN_SECONDS = 30.0  # how often an unchanged open stream marks the widget as still open


def _signature(view: ConversationView) -> tuple[object, ...]:
    return (view.state, len(view.messages), view.needs_contact, view.case_id)


def _event(view: ConversationView) -> str:
    return f"event: conversation\ndata: {json.dumps(asdict(view), default=str)}\n\n"


async def _stream(runtime: Runtime, token: str, first: ConversationView) -> AsyncIterator[str]:
    """The conversation each time it changes (the team's replies), then a keep-alive comment
    when nothing did; the database is the only channel, so every web process can serve it."""
    yield f"retry: {int(CHECK_SECONDS * 2000)}\n" + _event(first)
    last, started = _signature(first), time.monotonic()
    seen = started
    while time.monotonic() - started < STREAM_SECONDS:
        await asyncio.sleep(CHECK_SECONDS)
        try:
            view = await run_in_threadpool(peek_conversation, runtime.db, token)
            changed = _signature(view) != last
            if changed or time.monotonic() - seen >= SEEN_SECONDS:
                view = await run_in_threadpool(read_conversation, runtime.db, runtime.clock, token)
                seen = time.monotonic()
        except NotFound:
            return  # the conversation is gone (customer data erased): nothing more to say
        if changed:
            last = _signature(view)
            yield _event(view)
        else:
            yield ": waiting\n\n"


@router.get(
    "/conversations/{token}/events",
    dependencies=[needs("bot.ask")],
    summary="The chat live (Server-Sent Events): the conversation again whenever it changes",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def conversation_events(token: str, request: Request, runtime: Rt) -> StreamingResponse:
    poll_limit(request).hit(client_key(request), runtime.clock.now())
    first = await run_in_threadpool(read_conversation, runtime.db, runtime.clock, token)
    return StreamingResponse(
        _stream(runtime, token, first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


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
