"""The demo mailbox page: every mail and chat post the desk would have sent, kept instead.

Filled when SOPDESK_MAIL_TRANSPORT=mailbox (what `make run` uses); admins only, since it shows
mail of every case.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sopdesk.engine.mailbox import count_mailbox, list_mailbox, mailbox_message
from sopdesk.web.ui.rendering import PageRoute, render
from sopdesk.web.ui.viewer import Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/mailbox", dependencies=[page_needs("desk.admin")])
def mailbox(
    request: Request,
    viewer: Viewer,
    runtime: Rt,
    kind: Annotated[str, Query(pattern="^(|email|chat)$")] = "",
) -> Response:
    return render(
        request,
        "mailbox.html",
        {
            "viewer": viewer,
            "messages": list_mailbox(runtime.db, kind=kind or None, limit=200),
            "counts": count_mailbox(runtime.db),
            "kind": kind,
            "on": runtime.settings.mail_transport == "mailbox",
        },
    )


@router.get("/mailbox/{message_id}", dependencies=[page_needs("desk.admin")])
def mailbox_entry(request: Request, viewer: Viewer, runtime: Rt, message_id: int) -> Response:
    message = mailbox_message(runtime.db, message_id)
    return render(request, "mailbox_message.html", {"viewer": viewer, "message": message})
