"""Agents, their passwords (argon2) and API tokens (stored as SHA-256, shown once).

Also turns a presented token into the Principal that every check_* authorises.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import MAX_LEVEL, MIN_LEVEL, ActorKind, Role
from sopdesk.domain.clock import Clock
from sopdesk.domain.policy import allows
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.console_sessions import end_agent_sessions
from sopdesk.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from sopdesk.store.db import Database
from sopdesk.store.models import Agent, ApiToken

TOKEN_PREFIX = "sdk_"
_hasher = PasswordHasher()
# Checked instead of a real hash for an unknown e-mail or an agent without a password, so that
# every sign-in attempt spends the same argon2 work and an unknown address answers no faster.
_STAND_IN_HASH = _hasher.hash(secrets.token_urlsafe(16))
_verifications = itertools.count(1)  # next() is atomic under the GIL; read by password_work
_work_done = 0


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; always one argon2 verification, whatever the hash."""
    global _work_done
    _work_done = next(_verifications)
    try:
        return _hasher.verify(password_hash or _STAND_IN_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_work() -> int:
    """How many argon2 verifications this process has done (the tests compare the work)."""
    return _work_done


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- agents ---------------------------------------------------------------------------------


class CreateAgent(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    level: int = Field(default=1, ge=MIN_LEVEL, le=MAX_LEVEL)
    roles: list[Role] = Field(default_factory=lambda: [Role.AGENT])
    password: str | None = Field(default=None, min_length=10, max_length=200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class UpdateAgent(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    level: int | None = Field(default=None, ge=MIN_LEVEL, le=MAX_LEVEL)
    roles: list[Role] | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)


@dataclass(frozen=True)
class AgentView:
    id: int
    email: str
    name: str
    level: int
    roles: list[str]
    active: bool

    @classmethod
    def of(cls, agent: Agent) -> AgentView:
        return cls(agent.id, agent.email, agent.name, agent.level, list(agent.roles), agent.active)


def check_create_agent(db: Database, principal: Principal, command: CreateAgent) -> None:
    require(principal, "agents.manage")
    with db.transaction(write=False) as session:
        exists = session.scalar(select(Agent.id).where(Agent.email == command.email))
    if exists is not None:
        raise Conflict(f"an agent with e-mail {command.email} already exists (id {exists})")


def do_create_agent(db: Database, clock: Clock, command: CreateAgent) -> AgentView:
    with db.transaction() as session:
        agent = Agent(
            email=command.email,
            name=command.name,
            level=command.level,
            roles=sorted({role.value for role in command.roles} | {Role.AGENT.value}),
            active=True,
            password_hash=hash_password(command.password) if command.password else None,
            created_at=clock.now(),
        )
        session.add(agent)
        session.flush()
        return AgentView.of(agent)


def load_agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    return agent


def check_update_agent(
    db: Database, principal: Principal, agent_id: int, command: UpdateAgent
) -> None:
    require(principal, "agents.manage")
    with db.transaction(write=False) as session:
        load_agent(session, agent_id)
    if principal.id == agent_id and command.active is False:
        raise InvalidInput("you cannot deactivate yourself; ask another admin")


def do_update_agent(db: Database, agent_id: int, command: UpdateAgent) -> AgentView:
    with db.transaction() as session:
        agent = load_agent(session, agent_id)
        if command.name is not None:
            agent.name = command.name
        if command.level is not None:
            agent.level = command.level
        if command.roles is not None:
            agent.roles = sorted({role.value for role in command.roles} | {Role.AGENT.value})
        if command.active is not None:
            agent.active = command.active
        if command.password is not None:
            agent.password_hash = hash_password(command.password)
        if command.active is False or command.password is not None:
            # Whoever holds one of the agent's sessions is signed out now, everywhere.
            end_agent_sessions(session, agent_id)
        view = AgentView.of(agent)
    forget_cached_tokens()
    return view


def list_agents(db: Database, principal: Principal) -> list[AgentView]:
    require(principal, "agents.read")
    with db.transaction(write=False) as session:
        return [AgentView.of(a) for a in session.scalars(select(Agent).order_by(Agent.id))]


def find_agent(db: Database, email: str) -> AgentView:
    """The agent with this e-mail (any case), or NotFound."""
    with db.transaction(write=False) as session:
        agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
        if agent is None:
            raise NotFound(f"no agent with e-mail {email}; add one with `sopdesk agent add`")
        return AgentView.of(agent)


def principal_of(agent: Agent) -> Principal:
    return Principal(
        kind=ActorKind.AGENT,
        id=agent.id,
        level=agent.level,
        roles=frozenset(Role(r) for r in agent.roles),
        name=agent.name,
    )


# --- tokens ---------------------------------------------------------------------------------


class CreateToken(BaseModel):
    name: str = Field(default="", max_length=100)
    agent_id: int | None = Field(default=None, description="Admins may mint for another agent.")


@dataclass(frozen=True)
class TokenView:
    id: int
    agent_id: int
    name: str
    prefix: str
    created_at: str
    revoked: bool


@dataclass(frozen=True)
class NewToken:
    view: TokenView
    token: str


def _token_view(row: ApiToken) -> TokenView:
    return TokenView(
        row.id,
        row.agent_id,
        row.name,
        row.prefix,
        row.created_at.isoformat(),
        row.revoked_at is not None,
    )


def check_create_token(db: Database, principal: Principal, command: CreateToken) -> int:
    """Returns the id of the agent the token is for."""
    if not principal.is_staff:
        raise Forbidden("only agents can create API tokens")
    target = command.agent_id if command.agent_id is not None else principal.id
    if target is None:
        raise InvalidInput("say which agent the token is for (agent_id)")
    if target != principal.id:
        require(principal, "agents.manage")
    with db.transaction(write=False) as session:
        agent = load_agent(session, target)
        if not agent.active:
            raise InvalidInput(f"agent {agent.email} is inactive; activate them first")
    return target


def do_create_token(db: Database, clock: Clock, agent_id: int, name: str) -> NewToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        row = ApiToken(
            agent_id=agent_id,
            name=name,
            token_hash=hash_token(token),
            prefix=token[: len(TOKEN_PREFIX) + 6],
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
        return NewToken(_token_view(row), token)


def list_tokens(db: Database, principal: Principal) -> list[TokenView]:
    if not principal.is_staff:
        raise Forbidden("only agents have API tokens")
    with db.transaction(write=False) as session:
        query = select(ApiToken).order_by(ApiToken.id)
        if not allows("agents.manage", principal):  # admins see every agent's tokens
            query = query.where(ApiToken.agent_id == principal.id)
        return [_token_view(row) for row in session.scalars(query)]


def check_revoke_token(db: Database, principal: Principal, token_id: int) -> None:
    with db.transaction(write=False) as session:
        row = session.get(ApiToken, token_id)
        # Someone else's token is "not found" to a non-admin: don't reveal that it exists.
        theirs = row is not None and row.agent_id != principal.id
        if row is None or (theirs and not allows("agents.manage", principal)):
            raise NotFound(f"no API token with id {token_id}")


def do_revoke_token(db: Database, clock: Clock, token_id: int) -> TokenView:
    with db.transaction() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"no API token with id {token_id}")
        if row.revoked_at is None:
            row.revoked_at = clock.now()
        view = _token_view(row)
    forget_cached_tokens()
    return view


# Every API request presents a token; looking it up cost a read transaction per request. A
# known-good token is remembered for a few seconds. Revoking a token or changing an agent clears
# the cache of this process at once; other processes notice within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_SIZE = 10_000
_token_cache: dict[tuple[str, str], tuple[float, Principal]] = {}
_token_cache_lock = threading.Lock()


def forget_cached_tokens() -> None:
    """Drops every remembered token (after a revocation or a change to an agent)."""
    with _token_cache_lock:
        _token_cache.clear()


def remembered_token(db: Database, token: str) -> Principal | None:
    """The principal of a token authenticated moments ago, without touching the database."""
    cached = _token_cache.get((db.url, hash_token(token)))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    return None


def authenticate_token(db: Database, token: str) -> Principal:
    """The agent behind a presented token, or Unauthorized."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthorized("the API token is malformed; send 'Authorization: Bearer sdk_…'")
    remembered = remembered_token(db, token)
    if remembered is not None:
        return remembered
    principal = _lookup_token(db, token)
    key = (db.url, hash_token(token))
    with _token_cache_lock:
        if len(_token_cache) >= TOKEN_CACHE_SIZE:
            _token_cache.clear()
        _token_cache[key] = (time.monotonic() + TOKEN_CACHE_SECONDS, principal)
    return principal


def _lookup_token(db: Database, token: str) -> Principal:
    with db.transaction(write=False) as session:
        row = session.execute(
            select(Agent, ApiToken.revoked_at)
            .join(ApiToken, ApiToken.agent_id == Agent.id)
            .where(ApiToken.token_hash == hash_token(token))
        ).first()
    if row is None:
        raise Unauthorized("the API token is not known; create one with `sopdesk token create`")
    agent, revoked_at = row
    if revoked_at is not None:
        raise Unauthorized("the API token was revoked")
    if not agent.active:
        raise Unauthorized("the agent of this API token is inactive")
    return principal_of(agent)


def authenticate_password(db: Database, email: str, password: str) -> Principal:
    with db.transaction(write=False) as session:
        agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    # The hash is checked first, even for an unknown e-mail: the same work either way.
    matches = verify_password(agent.password_hash if agent else None, password)
    if agent is None or not matches or not agent.active:
        raise Unauthorized("wrong e-mail or password")
    return principal_of(agent)
