"""Inviting partner users: a user made without a password gets a signed, expiring link that
lets them choose one (Argon2 through the accounts code). A link works once: it carries a
fingerprint of the password hash it was made for, which choosing a password changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import select

from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.accounts import hash_password
from sopdesk.engine.partner_users import partner_for_new_user
from sopdesk.errors import InvalidInput, SopdeskError
from sopdesk.store.db import Database
from sopdesk.store.models import Partner, PartnerUser

SALT = "sopdesk.partner-invite"
INVITE_DAYS = 7
MIN_PASSWORD = 10


class InviteError(SopdeskError):
    status = 403
    title = "This invitation does not work"


class InvitePartnerUser(BaseModel):
    partner: str = Field(min_length=1, max_length=100, description="the partner's slug")
    email: EmailStr
    name: str = Field(default="", max_length=200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


@dataclass(frozen=True)
class Invitation:
    user_id: int
    email: str
    partner: str
    token: str
    expires_at: datetime


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def make_invite_token(secret: str, user: PartnerUser, expires_at: datetime) -> str:
    data = {"u": user.id, "f": _fingerprint(user.password_hash), "e": int(expires_at.timestamp())}
    return str(URLSafeSerializer(secret, salt=SALT).dumps(data))


def invite_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/partner/invite/{token}"


def check_invite_partner_user(
    db: Database, principal: Principal, command: InvitePartnerUser
) -> int:
    """The partner's id; refuses an unknown partner or an e-mail already in use."""
    return partner_for_new_user(db, principal, command.partner, str(command.email))


def do_invite_partner_user(
    db: Database, now: datetime, secret: str, partner_id: int, command: InvitePartnerUser
) -> Invitation:
    """Adds the user without a password (they cannot sign in yet) and makes their link."""
    expires = now + timedelta(days=INVITE_DAYS)
    with db.transaction() as session:
        user = PartnerUser(
            partner_id=partner_id,
            email=command.email,
            name=command.name,
            password_hash=None,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        token = make_invite_token(secret, user, expires)
        return Invitation(user.id, user.email, command.partner, token, expires)


def read_invite(db: Database, secret: str, token: str, now: datetime) -> PartnerUser:
    """The invited user, detached; InviteError when the link is forged, expired or used."""
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
        user_id, fingerprint = int(data["u"]), str(data["f"])
        expires = datetime.fromtimestamp(int(data["e"]), now.tzinfo)
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InviteError("This invitation link is not valid; ask the desk for a new one.") from exc
    if expires <= now:
        raise InviteError("This invitation has expired; ask the desk for a new one.")
    with db.transaction(write=False) as session:
        user = session.get(PartnerUser, user_id)
        if user is None or not user.active:
            raise InviteError("This invitation is for an account that no longer exists.")
        if _fingerprint(user.password_hash) != fingerprint:
            raise InviteError("This invitation was used already; sign in with your password.")
        session.expunge(user)
        return user


def check_accept_invite(
    db: Database, secret: str, token: str, now: datetime, password: str, repeated: str
) -> int:
    """The user's id once the link and the new password are good."""
    user = read_invite(db, secret, token, now)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"choose a password of at least {MIN_PASSWORD} characters")
    if password != repeated:
        raise InvalidInput("the two passwords differ; type the same one twice")
    return user.id


def do_accept_invite(db: Database, user_id: int, password: str) -> None:
    with db.transaction() as session:
        user = session.get(PartnerUser, user_id)
        if user is not None:
            user.password_hash = hash_password(password)


@dataclass(frozen=True)
class PartnerUserRow:
    id: int
    email: str
    name: str
    ready: bool  # has chosen a password
    active: bool


@dataclass(frozen=True)
class PartnerListing:
    id: int
    slug: str
    name: str
    email: str | None
    users: list[PartnerUserRow]


def list_partners(db: Database, principal: Principal) -> list[PartnerListing]:
    """Every partner with its portal users, for the admin page."""
    require(principal, "partners.manage")
    with db.transaction(write=False) as session:
        users: dict[int, list[PartnerUserRow]] = {}
        for user in session.scalars(select(PartnerUser).order_by(PartnerUser.email)):
            row = PartnerUserRow(
                user.id, user.email, user.name, user.password_hash is not None, user.active
            )
            users.setdefault(user.partner_id, []).append(row)
        return [
            PartnerListing(p.id, p.slug, p.name, p.email, users.get(p.id, []))
            for p in session.scalars(select(Partner).order_by(Partner.name))
        ]
