"""POST /api/v1/bot/ask and /api/v1/bot/feedback: the support bot, anonymous, rate-limited.

The bot answers only from the help articles (sopdesk.engine.bot); this module translates.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from sopdesk.engine.bot import ask
from sopdesk.engine.kb import record_feedback
from sopdesk.errors import NotFound
from sopdesk.web.auth import Rt
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


@router.post("/ask", summary="Ask the support bot; it answers from the help articles or hands off")
def ask_bot(body: Question, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    reply = ask(runtime.db, runtime.desk, body.question)
    return asdict(reply)


@router.post("/feedback", summary='Count an answer to "Did this answer your question?"')
def feedback(body: Feedback, request: Request, runtime: Rt) -> dict[str, Any]:
    bot_limit(request).hit(client_key(request), runtime.clock.now())
    if body.article not in runtime.desk.articles:
        raise NotFound(f"there is no help article '{body.article}'")
    record_feedback(runtime.db, body.article, body.helpful, "bot", runtime.clock.now())
    return {"article": body.article, "helpful": body.helpful}
