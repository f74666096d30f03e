"""/api/v1/inbound/email: raw MIME from a mail provider's inbound webhook becomes a case.

Authenticated with an API token of an agent with the admin role (revocable, stored hashed).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.engine.intake import IntakeResult
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/inbound", tags=["inbound"])


@router.post(
    "/email",
    dependencies=[needs("desk.admin")],
    summary="Take in one raw e-mail (RFC 5322 / MIME bytes as the request body)",
    responses={201: {"description": "a new case"}, 200: {"description": "appended or skipped"}},
)
async def inbound_email(
    request: Request,
    response: Response,
    caller: Caller,
    runtime: Rt,
    envelope_from: Annotated[str | None, Query(max_length=320)] = None,
    envelope_to: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> IntakeResult:
    raw = await request.body()
    receiver = MailReceiver(runtime)
    result = await run_in_threadpool(
        receiver.receive,
        raw,
        envelope_from=envelope_from,
        envelope_to=envelope_to or [],
        principal=caller,
    )
    response.status_code = (
        status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
    )
    return result
