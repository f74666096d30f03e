"""/api/v1/partners: add partners (shops) and their portal users, deactivate users (admins).

A user posted without a password is invited: the answer carries the signed link with which
they choose one (valid 7 days, usable once), as `sopdesk partner user add` prints it.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, EmailStr, Field

from sopdesk.engine.partner_invites import (
    InvitePartnerUser,
    check_invite_partner_user,
    do_invite_partner_user,
    invite_url,
)
from sopdesk.engine.partner_users import (
    CreatePartner,
    CreatePartnerUser,
    PartnerUserStatus,
    check_create_partner,
    check_create_partner_user,
    check_set_partner_user_active,
    do_create_partner,
    do_create_partner_user,
    do_set_partner_user_active,
)
from sopdesk.web.auth import Caller, Rt
from sopdesk.web.permissions import needs

router = APIRouter(prefix="/partners", tags=["partners"])


class PartnerOut(BaseModel):
    id: int
    slug: str
    name: str


class PartnerUserIn(BaseModel):
    email: EmailStr
    name: str = Field(default="", max_length=200)
    password: str | None = Field(
        default=None, min_length=10, max_length=200, description="omit to get an invitation link"
    )


class PartnerUserOut(BaseModel):
    id: int
    email: str
    invite_url: str | None = Field(
        default=None, description="the link that lets the user choose a password (no password)"
    )


@router.post(
    "",
    dependencies=[needs("partners.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Add a partner",
)
def add_partner(body: CreatePartner, caller: Caller, runtime: Rt) -> PartnerOut:
    check_create_partner(runtime.db, caller, body)
    partner_id = do_create_partner(runtime.db, runtime.clock.now(), body)
    return PartnerOut(id=partner_id, slug=body.slug, name=body.name)


@router.post(
    "/{slug}/users",
    dependencies=[needs("partners.manage")],
    status_code=status.HTTP_201_CREATED,
    summary="Add or invite a partner user",
)
def add_partner_user(slug: str, body: PartnerUserIn, caller: Caller, runtime: Rt) -> PartnerUserOut:
    if body.password is not None:
        command = CreatePartnerUser(
            partner=slug, email=body.email, name=body.name, password=body.password
        )
        partner_id = check_create_partner_user(runtime.db, caller, command)
        user = do_create_partner_user(runtime.db, runtime.clock, partner_id, command)
        return PartnerUserOut(id=user.id, email=user.email)
    invite = InvitePartnerUser(partner=slug, email=body.email, name=body.name)
    partner_id = check_invite_partner_user(runtime.db, caller, invite)
    secret = runtime.settings.resolved_secret_key()
    made = do_invite_partner_user(runtime.db, runtime.clock.now(), secret, partner_id, invite)
    return PartnerUserOut(
        id=made.user_id,
        email=made.email,
        invite_url=invite_url(runtime.settings.public_url, made.token),
    )


class PartnerUserChange(BaseModel):
    active: bool = Field(description="false: ends the user's sessions and refuses sign-in")


@router.patch(
    "/users/{user_id}",
    dependencies=[needs("partners.manage")],
    summary="Deactivate (or reactivate) a partner user",
)
def change_partner_user(
    user_id: int, body: PartnerUserChange, caller: Caller, runtime: Rt
) -> PartnerUserStatus:
    found = check_set_partner_user_active(runtime.db, caller, user_id)
    return do_set_partner_user_active(runtime.db, found, body.active)
