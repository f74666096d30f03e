"""/api/v1/tokens: create (shown once), list and revoke API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from sopdesk.engine.accounts import (
    CreateToken,
    TokenView,
    check_create_token,
    check_revoke_token,
    do_create_token,
    do_revoke_token,
    list_tokens,
)
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/tokens", tags=["tokens"])


class NewTokenOut(BaseModel):
    token: TokenView
    secret: str


@router.post(
    "",
    dependencies=[needs("tokens.own")],
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token",
)
def create_token(body: CreateToken, caller: Caller, runtime: Rt) -> NewTokenOut:
    agent_id = check_create_token(runtime.db, caller, body)
    new = do_create_token(runtime.db, runtime.clock, agent_id, body.name)
    return NewTokenOut(token=new.view, secret=new.token)


@router.get("", dependencies=[needs("tokens.own")], summary="List your API tokens (admins: all)")
def tokens(caller: Caller, runtime: Rt) -> list[TokenView]:
    return list_tokens(runtime.db, caller)


@router.delete("/{token_id}", dependencies=[needs("tokens.own")], summary="Revoke an API token")
def revoke_token(token_id: int, caller: Caller, runtime: Rt) -> TokenView:
    check_revoke_token(runtime.db, caller, token_id)
    return do_revoke_token(runtime.db, runtime.clock, token_id)
