"""Who is looking at a console page: the signed-in agent or partner user, and posted forms.

Dependencies only: `Viewer` (an agent), `Partner` (a partner user), `PostedForm` (CSRF-checked
form data), and `page_needs`, the permission every console page declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, params
from starlette.datastructures import FormData

from sopdesk.domain.policy import Grant
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import load_agent, principal_of
from sopdesk.engine.partner_users import partner_user_principal
from sopdesk.errors import Forbidden, NotFound, Unauthorized
from sopdesk.runtime import Runtime
from sopdesk.web.auth import get_runtime
from sopdesk.web.csrf import csrf_form
from sopdesk.web.permissions import Needs, Public
from sopdesk.web.ui.rendering import session_of


@dataclass(frozen=True)
class AgentViewer:
    principal: Principal
    email: str

    @property
    def id(self) -> int:
        assert self.principal.id is not None
        return self.principal.id


def current_agent(request: Request) -> AgentViewer:
    session = session_of(request)
    if session.agent_id is None:
        raise Unauthorized("sign in first")
    runtime = get_runtime(request)
    try:
        with runtime.db.transaction(write=False) as db_session:
            agent = load_agent(db_session, session.agent_id)
            viewer = AgentViewer(principal_of(agent), agent.email)
            active = agent.active
    except NotFound:
        active = False
    if not active:
        # Deactivated since signing in: the cookie is worth nothing from now on.
        session.sign_out()
        raise Unauthorized("your account is inactive; ask an admin")
    return viewer


@dataclass(frozen=True)
class PartnerViewer:
    """The signed-in partner user: their id and the principal of their partner."""

    user_id: int
    principal: Principal


def current_partner(request: Request) -> PartnerViewer:
    session = session_of(request)
    if session.partner_user_id is None:
        if session.agent_id is not None:
            raise Forbidden(
                "the partner portal is for partner users; you are signed in to the agent console"
            )
        raise Unauthorized("sign in to the partner portal first")
    try:
        principal = partner_user_principal(get_runtime(request).db, session.partner_user_id)
    except Unauthorized:
        session.sign_out()  # deactivated since signing in: the cookie is worth nothing now
        raise
    return PartnerViewer(session.partner_user_id, principal)


async def posted_form(request: Request) -> FormData:
    return await csrf_form(request, session_of(request).csrf)


Viewer = Annotated[AgentViewer, Depends(current_agent)]
Partner = Annotated[PartnerViewer, Depends(current_partner)]
PostedForm = Annotated[FormData, Depends(posted_form)]
Rt = Annotated[Runtime, Depends(get_runtime)]


class AgentPageNeeds(Needs):
    async def __call__(self, viewer: Viewer) -> AgentViewer:
        self.enforce(viewer.principal)
        return viewer


class PartnerPageNeeds(Needs):
    async def __call__(self, partner: Partner) -> PartnerViewer:
        self.enforce(partner.principal)
        return partner


def page_needs(name: str) -> params.Depends:
    """The dependency a console page declares: `dependencies=[page_needs("desk.admin")]`.
    Public pages need no session; the partner portal a partner user's; the rest an agent's."""
    found = Needs(name).permission
    if found.public:
        return Depends(Public(name))
    if Grant.PARTNER in found.grants:
        return Depends(PartnerPageNeeds(name))
    return Depends(AgentPageNeeds(name))
