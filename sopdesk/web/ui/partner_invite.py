"""A partner user's invitation: the signed link from `sopdesk partner user add` opens a page
where they choose their password, then sign in to the portal.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.partner_invites import check_accept_invite, do_accept_invite, read_invite
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.forms import text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import PostedForm, Rt, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/partner/invite/{token}", dependencies=[page_needs("links.follow")])
def invite_page(request: Request, token: str, runtime: Rt) -> Response:
    secret = runtime.settings.resolved_secret_key()
    user = read_invite(runtime.db, secret, token, runtime.clock.now())
    return render(request, "partner_invite.html", {"email": user.email, "problem": ""})


@router.post("/partner/invite/{token}", dependencies=[page_needs("links.follow")])
def accept_invite(request: Request, token: str, runtime: Rt, form: PostedForm) -> Response:
    secret = runtime.settings.resolved_secret_key()
    values = text_fields(form)
    now = runtime.clock.now()
    try:
        user_id = check_accept_invite(
            runtime.db, secret, token, now, values.get("password", ""), values.get("repeat", "")
        )
    except InvalidInput as exc:
        user = read_invite(runtime.db, secret, token, now)
        context = {"email": user.email, "problem": exc.message}
        return render(request, "partner_invite.html", context, status=422)
    do_accept_invite(runtime.db, user_id, values.get("password", ""))
    return redirect(request, "/partner/login?invited=1")
