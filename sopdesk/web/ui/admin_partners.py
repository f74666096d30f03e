"""The admin page of partners: add a partner (a shop), invite its portal users by a signed
link (shown here to send on), list who has chosen a password, deactivate a user (their
sessions end at once). Admins only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.partner_invites import (
    InvitePartnerUser,
    check_invite_partner_user,
    do_invite_partner_user,
    invite_url,
    list_partners,
)
from sopdesk.engine.partner_users import (
    CreatePartner,
    check_create_partner,
    check_set_partner_user_active,
    do_create_partner,
    do_set_partner_user_active,
)
from sopdesk.errors import Conflict, NotFound
from sopdesk.web.ui.forms import FormRefused, parse, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/admin")


def _page(
    request: Request,
    runtime: Rt,
    viewer: AgentViewer,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    invited: str = "",
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "viewer": viewer,
        "partners": list_partners(runtime.db, viewer.principal),
        "errors": errors or {},
        "values": values or {},
        "invited": invited,
    }
    return render(request, "admin_partners.html", context, status=status)


@router.get("/partners", dependencies=[page_needs("partners.manage")])
def partners(request: Request, viewer: Viewer, runtime: Rt) -> Response:
    return _page(request, runtime, viewer)


@router.post("/partners", dependencies=[page_needs("partners.manage")])
def add_partner(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    fields = {k: values.get(k, "") for k in ("slug", "name")}
    if values.get("email"):
        fields["email"] = values["email"]
    try:
        command = parse(CreatePartner, fields)
        try:
            check_create_partner(runtime.db, viewer.principal, command)
        except Conflict as exc:
            raise FormRefused({"slug": exc.message}) from None
    except FormRefused as exc:
        return _page(request, runtime, viewer, errors=exc.errors, values=values, status=422)
    do_create_partner(runtime.db, runtime.clock.now(), command)
    return redirect(request, "/admin/partners")


@router.post("/partners/{slug}/invite", dependencies=[page_needs("partners.manage")])
def invite(request: Request, viewer: Viewer, runtime: Rt, slug: str, form: PostedForm) -> Response:
    values = text_fields(form)
    try:
        command = parse(
            InvitePartnerUser,
            {"partner": slug, "email": values.get("email", ""), "name": values.get("name", "")},
        )
        try:
            partner_id = check_invite_partner_user(runtime.db, viewer.principal, command)
        except (Conflict, NotFound) as exc:
            raise FormRefused({f"invite-{slug}": exc.message}) from None
    except FormRefused as exc:
        errors = {f"invite-{slug}": "; ".join(exc.errors.values())}
        return _page(request, runtime, viewer, errors=errors, values=values, status=422)
    secret = runtime.settings.resolved_secret_key()
    made = do_invite_partner_user(runtime.db, runtime.clock.now(), secret, partner_id, command)
    link = invite_url(runtime.settings.public_url, made.token)
    return _page(request, runtime, viewer, invited=f"{made.email}|{link}")


@router.post("/partners/users/{user_id}/active", dependencies=[page_needs("partners.manage")])
def set_active(
    request: Request, viewer: Viewer, runtime: Rt, user_id: int, form: PostedForm
) -> Response:
    """`active=no` deactivates the user (their sessions end), `active=yes` lets them back."""
    found = check_set_partner_user_active(runtime.db, viewer.principal, user_id)
    do_set_partner_user_active(runtime.db, found, text_fields(form).get("active") == "yes")
    return redirect(request, "/admin/partners")
