"""Partners (shops) and their users: creating them, signing them in (argon2), and the principal.

A partner user acts as a Principal of kind PARTNER whose id is the partner's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy import select

from sopdesk.domain.cases import ActorKind
from sopdesk.domain.clock import Clock
from sopdesk.domain.principal import Principal
from sopdesk.engine.access import require
from sopdesk.engine.accounts import hash_password, verify_password
from sopdesk.engine.console_sessions import end_partner_user_sessions
from sopdesk.errors import Conflict, Forbidden, NotFound, Unauthorized
from sopdesk.store.db import Database
from sopdesk.store.models import Partner, PartnerUser


def partner_principal(user: PartnerUser, partner: Partner) -> Principal:
    who = user.name or user.email
    return Principal(kind=ActorKind.PARTNER, id=partner.id, name=f"{who} ({partner.name})")


def require_partner(principal: Principal) -> int:
    """The partner id of a partner principal; anyone else is refused."""
    if principal.kind is not ActorKind.PARTNER or principal.id is None:
        raise Forbidden("the partner portal is for partner users; agents work in the console")
    return principal.id


def authenticate_partner(db: Database, email: str, password: str) -> tuple[int, Principal]:
    """The partner user's id and principal for a correct e-mail and password, or Unauthorized."""
    with db.transaction(write=False) as session:
        user = session.scalar(select(PartnerUser).where(PartnerUser.email == email.strip().lower()))
        hashed = user.password_hash if user is not None else None
        # verify_password spends an argon2 hash even for unknown users: no timing oracle.
        if not verify_password(hashed, password) or user is None or not user.active:
            raise Unauthorized("wrong e-mail or password")
        partner = session.get(Partner, user.partner_id)
        if partner is None:
            raise Unauthorized("wrong e-mail or password")
        return user.id, partner_principal(user, partner)


def partner_user_principal(db: Database, user_id: int) -> Principal:
    """The principal of a signed-in partner user; Unauthorized once the user is inactive."""
    with db.transaction(write=False) as session:
        user = session.get(PartnerUser, user_id)
        partner = session.get(Partner, user.partner_id) if user is not None else None
        if user is None or partner is None or not user.active:
            raise Unauthorized("your partner account is inactive; ask support")
        return partner_principal(user, partner)


# --- creating -------------------------------------------------------------------------------


class CreatePartner(BaseModel):
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None


class CreatePartnerUser(BaseModel):
    partner: str = Field(min_length=1, max_length=100, description="the partner's slug")
    email: EmailStr
    name: str = Field(default="", max_length=200)
    password: str = Field(min_length=10, max_length=200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


@dataclass(frozen=True)
class PartnerUserView:
    id: int
    partner_id: int
    email: str
    name: str


def check_create_partner(db: Database, principal: Principal, command: CreatePartner) -> None:
    require(principal, "partners.manage")
    with db.transaction(write=False) as session:
        if session.scalar(select(Partner.id).where(Partner.slug == command.slug)) is not None:
            raise Conflict(f"a partner with slug '{command.slug}' already exists")


def do_create_partner(db: Database, now: datetime, command: CreatePartner) -> int:
    with db.transaction() as session:
        partner = Partner(
            slug=command.slug,
            name=command.name,
            email=str(command.email).lower() if command.email else None,
            created_at=now,
        )
        session.add(partner)
        session.flush()
        return partner.id


def check_create_partner_user(
    db: Database, principal: Principal, command: CreatePartnerUser
) -> int:
    """Returns the partner's id; refuses an unknown partner or an e-mail already in use."""
    return partner_for_new_user(db, principal, command.partner, str(command.email))


def partner_for_new_user(db: Database, principal: Principal, slug: str, email: str) -> int:
    """The one rule for adding a partner user (by password or by invitation): admins only, a
    known partner, an e-mail no partner user has yet. Returns the partner's id."""
    require(principal, "partners.manage")
    with db.transaction(write=False) as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == slug))
        if partner_id is None:
            raise NotFound(f"no partner with slug '{slug}'; add it first")
        if session.scalar(select(PartnerUser.id).where(PartnerUser.email == email)):
            raise Conflict(f"a partner user with e-mail {email} already exists")
    return partner_id


def do_create_partner_user(
    db: Database, clock: Clock, partner_id: int, command: CreatePartnerUser
) -> PartnerUserView:
    with db.transaction() as session:
        user = PartnerUser(
            partner_id=partner_id,
            email=command.email,
            name=command.name,
            password_hash=hash_password(command.password),
            active=True,
            created_at=clock.now(),
        )
        session.add(user)
        session.flush()
        return PartnerUserView(user.id, partner_id, user.email, user.name)


# --- deactivating ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerUserStatus:
    id: int
    email: str
    active: bool


def check_set_partner_user_active(db: Database, principal: Principal, user: int | str) -> int:
    """The id of the partner user named by id or e-mail (admins only; NotFound otherwise)."""
    require(principal, "partners.manage")
    with db.transaction(write=False) as session:
        if isinstance(user, int):
            found = session.get(PartnerUser, user)
        else:
            email = user.strip().lower()
            found = session.scalar(select(PartnerUser).where(PartnerUser.email == email))
        if found is None:
            raise NotFound(f"no partner user {user}")
        return found.id


def do_set_partner_user_active(db: Database, user_id: int, active: bool) -> PartnerUserStatus:
    """Deactivating ends every session of the user at once; their sign-in and invitation link
    are refused from then on (both read `active`). Reactivating lets them sign in again."""
    with db.transaction() as session:
        user = session.get(PartnerUser, user_id)
        if user is None:
            raise NotFound(f"no partner user {user_id}")
        user.active = active
        if not active:
            end_partner_user_sessions(session, user_id)
        return PartnerUserStatus(user.id, user.email, user.active)
