"""Server-side console sessions: a sign-in makes a fresh random id, signing out deletes it.

The cookie carries the id; only its SHA-256 is stored. Deactivating an agent or setting a new
password deletes the agent's sessions (`end_agent_sessions`, in the same transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sopdesk.store.db import Database
from sopdesk.store.models import ConsoleSession

SESSION_HOURS = 12  # one working day and a bit; then sign in again
PRUNE_AFTER = timedelta(days=30)  # rows of browsers that never signed out, kept this long


@dataclass(frozen=True)
class SessionOwner:
    agent_id: int | None
    partner_user_id: int | None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(
    db: Database,
    now: datetime,
    owner: SessionOwner,
    replacing: str | None,
) -> str:
    """A new session id for the owner; the session it replaces (if any) ends with it."""
    session_id = secrets.token_urlsafe(32)
    with db.transaction() as session:
        prune_sessions(session, now)
        if replacing:
            session.execute(
                delete(ConsoleSession).where(ConsoleSession.id_hash == _hash(replacing))
            )
        session.add(
            ConsoleSession(
                id_hash=_hash(session_id),
                agent_id=owner.agent_id,
                partner_user_id=owner.partner_user_id,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
    return session_id


def end_session(db: Database, session_id: str) -> None:
    with db.transaction() as session:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == _hash(session_id)))


def session_owner(db: Database, session_id: str) -> SessionOwner | None:
    """Who a live session belongs to; None when it ended or never existed.

    Its 12 hours are the cookie's signed timestamp (wall time, as before); `expires_at` says
    when a row left behind by a browser that never signed out may be pruned
    (`prune_sessions`), so the desk's simulated clock in tests does not sign people out.
    """
    with db.transaction(write=False) as session:
        row = session.execute(
            select(ConsoleSession.agent_id, ConsoleSession.partner_user_id).where(
                ConsoleSession.id_hash == _hash(session_id)
            )
        ).first()
    return None if row is None else SessionOwner(row.agent_id, row.partner_user_id)


def end_agent_sessions(session: Session, agent_id: int) -> None:
    """Signs the agent out everywhere (inside the caller's transaction)."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.agent_id == agent_id))


def end_partner_user_sessions(session: Session, user_id: int) -> None:
    """Signs the partner user out everywhere (inside the caller's transaction)."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.partner_user_id == user_id))


def prune_sessions(session: Session, now: datetime) -> None:
    """Deletes rows long past their end (run at each sign-in, so the table stays small)."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now - PRUNE_AFTER))
