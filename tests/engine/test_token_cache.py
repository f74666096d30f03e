"""The remembered-token cache never outlives a revocation or a deactivation in this process.

Tokens are checked through authenticate_token, as every API request does.
"""

from __future__ import annotations

import pytest

from sopdesk.domain.cases import Role
from sopdesk.engine.accounts import (
    CreateAgent,
    UpdateAgent,
    authenticate_token,
    do_create_agent,
    do_create_token,
    do_revoke_token,
    do_update_agent,
)
from sopdesk.errors import Unauthorized


def make_token(db, clock, email: str = "ana@example.com") -> tuple[int, int, str]:
    agent = do_create_agent(
        db, clock, CreateAgent(email=email, name="Ana", level=2, roles=[Role.LEAD])
    )
    new = do_create_token(db, clock, agent.id, "t")
    return agent.id, new.view.id, new.token


def test_a_revoked_token_is_refused_at_once_even_when_remembered(db, clock) -> None:
    _, token_id, token = make_token(db, clock)
    assert authenticate_token(db, token).name == "Ana"
    assert authenticate_token(db, token).name == "Ana"  # now answered from the cache
    do_revoke_token(db, clock, token_id)
    with pytest.raises(Unauthorized, match="revoked"):
        authenticate_token(db, token)


def test_a_deactivated_or_changed_agent_is_seen_at_once(db, clock) -> None:
    agent_id, _, token = make_token(db, clock)
    assert authenticate_token(db, token).level == 2
    do_update_agent(db, agent_id, UpdateAgent(level=3))
    assert authenticate_token(db, token).level == 3
    do_update_agent(db, agent_id, UpdateAgent(active=False))
    with pytest.raises(Unauthorized, match="inactive"):
        authenticate_token(db, token)


def test_unknown_tokens_are_never_remembered(db, clock) -> None:
    with pytest.raises(Unauthorized, match="not known"):
        authenticate_token(db, "sdk_" + "x" * 43)
    make_token(db, clock)
    with pytest.raises(Unauthorized, match="not known"):
        authenticate_token(db, "sdk_" + "x" * 43)
