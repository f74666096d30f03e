"""Who is calling: the API's bearer-token dependency and the runtime lookup for routes.

Every route takes `Caller` and hands the Principal to the check_* it calls.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import authenticate_token, remembered_token
from sopdesk.errors import Unauthorized
from sopdesk.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API token: `sopdesk token create`.")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("this endpoint needs an API token: 'Authorization: Bearer sdk_…'")
    return authenticate_token(get_runtime(request).db, credentials.credentials)


# The dependencies the routes use are `async def` on purpose: FastAPI runs a plain `def`
# dependency in the thread pool, and those hand-offs cost more than the work (a third of the
# server's CPU per request in a py-spy profile of bench/ingest.py). Only a token that is not
# remembered goes to the database, in the thread pool.
async def _runtime(request: Request) -> Runtime:
    return get_runtime(request)


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is not None:
        remembered = remembered_token(get_runtime(request).db, credentials.credentials)
        if remembered is not None:
            return remembered
    return await run_in_threadpool(get_caller, request, credentials)


Caller = Annotated[Principal, Depends(_caller)]
Rt = Annotated[Runtime, Depends(_runtime)]
