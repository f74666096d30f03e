"""Who is calling: the API's bearer-token dependency and the runtime lookup for routes.

Every route takes `Caller` and hands the Principal to the check_* it calls.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import authenticate_token
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


Caller = Annotated[Principal, Depends(get_caller)]
Rt = Annotated[Runtime, Depends(get_runtime)]
