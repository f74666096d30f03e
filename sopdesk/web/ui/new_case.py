"""A case opened by an agent for a phone call or a walk-in: find or create the customer, pick
the order and the category, log what the caller said as the first message; the playbook starts.

One door of engine/new_cases (check_/do_create_case), the same pair as POST /api/v1/cases.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.domain.cases import Channel
from sopdesk.engine.callers import CallerMatch, find_callers, get_caller
from sopdesk.engine.new_cases import CreateCase, check_create_case, do_create_case
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.forms import FormRefused, parse, refused, text_fields
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# The command's field names as the form calls them.
FIELD_OF = {
    "customer_email": "email",
    "customer_phone": "phone",
    "customer_name": "name",
    "customer_id": "customer_id",
}
HOW = {"phone": "Phone call", "walk-in": "Walk-in (in person)"}


def _page(
    request: Request,
    viewer: AgentViewer,
    runtime: Rt,
    *,
    query: str,
    chosen: CallerMatch | None,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response:
    matches = find_callers(runtime.db, viewer.principal, runtime.desk, query) if query else []
    context: dict[str, Any] = {
        "viewer": viewer,
        "desk": runtime.desk,
        "query": query,
        "matches": matches,
        "chosen": chosen,
        "errors": errors,
        "values": values,
        "how": HOW,
    }
    return render(request, "new_case.html", context, status=status)


@router.get("/cases/new", dependencies=[page_needs("cases.create")])
def new_case_page(
    request: Request, viewer: Viewer, runtime: Rt, q: str = "", customer: int | None = None
) -> Response:
    errors: dict[str, str] = {}
    chosen = None
    if customer is not None:
        try:
            chosen = get_caller(runtime.db, viewer.principal, customer)
        except InvalidInput as exc:
            errors["customer_id"] = exc.message
    return _page(request, viewer, runtime, query=q, chosen=chosen, errors=errors, values={"q": q})


def _command(values: dict[str, str], item_ids: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "subject": values.get("subject", "").strip(),
        "body": values.get("body", ""),
        "channel": Channel.PHONE.value,
        "order_ref": values.get("order_ref", "").strip() or None,
        "category": values.get("category", "").strip() or None,
    }
    if item_ids:  # the order's line(s) the call is about, ticked under the order
        if not all(i.isdigit() for i in item_ids):
            raise FormRefused({"item_ids": "tick the item(s) from the order's list"})
        data["item_ids"] = [int(i) for i in item_ids]
    how = values.get("how", "phone")
    if how == "walk-in":
        data["tags"] = ["walk-in"]
    chosen = values.get("customer_id", "").strip()
    if chosen:
        if not chosen.isdigit():
            raise FormRefused({"customer_id": "pick the customer from the search results"})
        data["customer_id"] = int(chosen)
    else:
        for field in ("email", "phone", "name"):
            if values.get(field, "").strip():
                data[f"customer_{field}"] = values[field].strip()
        if not data.get("customer_email") and not data.get("customer_phone"):
            raise FormRefused(
                {
                    "customer_id": "pick the customer from the search, or give a new customer's"
                    " e-mail or phone number"
                }
            )
    if not data["subject"]:
        raise FormRefused({"subject": "give the case a subject: what the call is about"})
    if not data["body"].strip():
        raise FormRefused(
            {"body": "write down what the caller said; it is the case's first message"}
        )
    return data


@router.post("/cases/new", dependencies=[page_needs("cases.create")])
def create(request: Request, viewer: Viewer, runtime: Rt, form: PostedForm) -> Response:
    values = text_fields(form)
    values["item_ids"] = ",".join(v for v in form.getlist("item_ids") if isinstance(v, str))
    chosen = None
    try:
        if values.get("customer_id", "").strip().isdigit():
            chosen = get_caller(runtime.db, viewer.principal, int(values["customer_id"]))
        items = [v for v in form.getlist("item_ids") if isinstance(v, str)]
        command = parse(CreateCase, _command(values, items))
        try:
            plan = check_create_case(runtime.db, viewer.principal, runtime.desk, command)
        except InvalidInput as exc:
            raise refused(exc) from None
    except InvalidInput as exc:
        return _refused(request, viewer, runtime, values, chosen, refused(exc))
    except FormRefused as exc:
        return _refused(request, viewer, runtime, values, chosen, exc)
    view = do_create_case(runtime.db, runtime.clock, runtime.desk, viewer.principal, command, plan)
    if not viewer.principal.sees_level(view.level):
        # The category routes above the agent's own level: the case is theirs no longer.
        return redirect(request, f"/?moved={view.id}")
    return redirect(request, f"/cases/{view.id}")


def _refused(
    request: Request,
    viewer: AgentViewer,
    runtime: Rt,
    values: dict[str, str],
    chosen: CallerMatch | None,
    exc: FormRefused,
) -> Response:
    errors = {FIELD_OF.get(k, k): v for k, v in exc.errors.items()}
    return _page(
        request,
        viewer,
        runtime,
        query=values.get("q", ""),
        chosen=chosen,
        errors=errors,
        values=values,
        status=422,
    )
