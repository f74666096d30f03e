"""The customer page `/customers/{id}` and its forms: merge, unmerge, unlink.

Reads and changes go through engine/customer_records.py; a refused form re-renders the page
with the message next to the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from sopdesk.engine.customer_data import (
    check_erase_customer,
    check_export_customer,
    do_erase_customer,
    do_export_customer,
)
from sopdesk.engine.customer_records import (
    MergeCustomers,
    Unlink,
    Unmerge,
    check_merge_customers,
    check_unlink,
    check_unmerge,
    do_merge_customers,
    do_unlink,
    do_unmerge,
    read_customer_record,
)
from sopdesk.errors import SopdeskError
from sopdesk.runtime import Runtime
from sopdesk.web.ui.rendering import PageRoute, redirect, render
from sopdesk.web.ui.viewer import AgentViewer, PostedForm, Rt, Viewer, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(
    request: Request,
    runtime: Runtime,
    viewer: AgentViewer,
    customer_id: int,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    record = read_customer_record(
        runtime.db, runtime.clock, viewer.principal, runtime.desk, customer_id
    )
    context: dict[str, Any] = {"viewer": viewer, "record": record, "errors": errors or {}}
    context["done"] = request.query_params.get("done", "")
    return render(request, "customer.html", context, status=status)


@router.get("/customers/{customer_id}", dependencies=[page_needs("customers.read")])
def customer_page(request: Request, customer_id: int, viewer: Viewer, runtime: Rt) -> Response:
    return _page(request, runtime, viewer, customer_id)


def _fields(form: FormData) -> dict[str, str]:
    return {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}


def _refused(exc: ValidationError | SopdeskError) -> str:
    if isinstance(exc, SopdeskError):
        return exc.message
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    if field == "other_id":
        return "enter the number of the other customer (as on their page)"
    if field == "reason":
        return "say why (the reason is kept with the record)"
    return str(first["msg"])


@router.post("/customers/{customer_id}/merge", dependencies=[page_needs("customers.manage")])
def merge(
    request: Request, customer_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    try:
        command = MergeCustomers.model_validate(_fields(form))
        check_merge_customers(runtime.db, viewer.principal, customer_id, command)
    except (ValidationError, SopdeskError) as exc:
        return _page(request, runtime, viewer, customer_id, {"merge": _refused(exc)}, 422)
    do_merge_customers(runtime.db, runtime.clock, viewer.principal, customer_id, command)
    return redirect(request, f"/customers/{customer_id}?done=merged")


@router.post("/customers/{customer_id}/unmerge", dependencies=[page_needs("customers.manage")])
def unmerge(
    request: Request, customer_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    try:
        command = Unmerge.model_validate(_fields(form))
        check_unmerge(runtime.db, viewer.principal, command)
    except (ValidationError, SopdeskError) as exc:
        return _page(request, runtime, viewer, customer_id, {"history": _refused(exc)}, 422)
    target = do_unmerge(runtime.db, runtime.clock, viewer.principal, command)
    return redirect(request, f"/customers/{target}?done=unmerged")


@router.post("/customers/{customer_id}/unlink", dependencies=[page_needs("customers.manage")])
def unlink(
    request: Request, customer_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    try:
        command = Unlink.model_validate(_fields(form))
        check_unlink(runtime.db, viewer.principal, customer_id, command)
    except (ValidationError, SopdeskError) as exc:
        return _page(request, runtime, viewer, customer_id, {"linked": _refused(exc)}, 422)
    do_unlink(runtime.db, runtime.clock, viewer.principal, customer_id, command)
    return redirect(request, f"/customers/{customer_id}?done=unlinked")


@router.post("/customers/{customer_id}/export", dependencies=[page_needs("customers.manage")])
def export(
    request: Request, customer_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    check_export_customer(runtime.db, viewer.principal, customer_id)
    data = do_export_customer(
        runtime.db, runtime.clock, viewer.principal, runtime.settings.attachments_path, customer_id
    )
    disposition = f'attachment; filename="customer-{customer_id}.zip"'
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": disposition}
    )


@router.post("/customers/{customer_id}/erase", dependencies=[page_needs("customers.erase")])
def erase(
    request: Request, customer_id: int, viewer: Viewer, runtime: Rt, form: PostedForm
) -> Response:
    if form.get("confirm") != f"erase {customer_id}":
        message = f"type “erase {customer_id}” to confirm; erasing cannot be undone"
        return _page(request, runtime, viewer, customer_id, {"data": message}, 422)
    try:
        check_erase_customer(runtime.db, viewer.principal, customer_id)
    except SopdeskError as exc:
        return _page(request, runtime, viewer, customer_id, {"data": exc.message}, exc.status)
    do_erase_customer(
        runtime.db, runtime.clock, viewer.principal, runtime.settings.attachments_path, customer_id
    )
    return redirect(request, f"/customers/{customer_id}?done=erased")
