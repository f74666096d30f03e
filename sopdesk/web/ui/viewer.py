"""Who is looking at a console page: the signed-in agent or partner user, and posted forms.

Dependencies only: `Viewer` (an agent), `PartnerViewer`, `PostedForm` (CSRF-checked form data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import load_agent, principal_of
from sopdesk.errors import NotFound, Unauthorized
from sopdesk.runtime import Runtime
from sopdesk.web.auth import get_runtime
from sopdesk.web.csrf import csrf_form
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


def current_partner_user(request: Request) -> int:
    """The signed-in partner user's id; the partner engine authorises from there."""
    user_id = session_of(request).partner_user_id
    if user_id is None:
        raise Unauthorized("sign in to the partner portal first")
    return user_id


async def posted_form(request: Request) -> FormData:
    return await csrf_form(request, session_of(request).csrf)


Viewer = Annotated[AgentViewer, Depends(current_agent)]
PartnerUserId = Annotated[int, Depends(current_partner_user)]
PostedForm = Annotated[FormData, Depends(posted_form)]
Rt = Annotated[Runtime, Depends(get_runtime)]
