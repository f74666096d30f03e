"""Public pages for customers: the `/contact` form and the case page behind a signed link.

No sign-in: the form is guarded by CSRF, a honeypot field and a per-IP rate limit; the case
page by the link's signature and expiry. Errors become pages, never tracebacks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from sopdesk.domain.cases import Channel
from sopdesk.domain.links import CaseLink, read_link_token
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.customer_cases import (
    Upload,
    check_customer_reply,
    do_customer_reply,
    read_customer_case,
)
from sopdesk.engine.replies import do_acknowledge_contact
from sopdesk.errors import InvalidInput, PayloadTooLarge, TooManyRequests
from sopdesk.runtime import Runtime
from sopdesk.store.blobs import BlobStore, TooLarge
from sopdesk.web.csrf import HEADER, check_csrf
from sopdesk.web.ratelimit import RateLimit
from sopdesk.web.ui.rendering import PageRoute, redirect, render, session_of
from sopdesk.web.ui.viewer import PostedForm, Rt, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
HONEYPOT = "website"  # hidden from people by CSS; bots fill it in
FIELDS = ("name", "email", "subject", "body", "order_ref")


def contact_limit(request: Request, runtime: Runtime) -> RateLimit:
    limit: RateLimit | None = getattr(request.app.state, "contact_limit", None)
    if limit is None:
        limit = RateLimit(runtime.settings.contact_rate_limit, timedelta(hours=1))
        request.app.state.contact_limit = limit
    return limit


def _contact(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    return render(request, "contact.html", {"values": values, "errors": errors}, status=status)


@router.get("/contact", dependencies=[page_needs("public")])
def contact_page(request: Request) -> Response:
    return _contact(request, {}, {}, 200)


@router.post("/contact", dependencies=[page_needs("public")])
def contact(request: Request, form: PostedForm, runtime: Rt) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    if form.get(HONEYPOT):
        # Looks accepted to the bot, stores nothing.
        return render(request, "contact_thanks.html", {"case_id": None})
    host = request.client.host if request.client else "unknown"
    try:
        contact_limit(request, runtime).hit(f"contact|{host}", runtime.clock.now())
    except TooManyRequests:
        errors = {"": "too many messages from your address; please try again in an hour"}
        return _contact(request, values, errors, 429)
    try:
        command = CreateCase(
            customer_email=values["email"],
            customer_name=values["name"],
            subject=values["subject"],
            body=values["body"],
            order_ref=values["order_ref"] or None,
            channel=Channel.WEB,
        )
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _say(str(e["loc"][0]), e["msg"]) for e in exc.errors()}
        errors = {("email" if k == "customer_email" else k): v for k, v in errors.items()}
        return _contact(request, values, errors, 422)
    system = Principal.system()
    plan = check_create_case(runtime.db, system, runtime.desk, command)
    view = do_create_case(runtime.db, runtime.clock, runtime.desk, system, command, plan)
    do_acknowledge_contact(runtime.db, runtime.clock, runtime.desk, view.id)
    return render(request, "contact_thanks.html", {"case_id": view.id})


def _say(field: str, message: str) -> str:
    if field == "customer_email":
        return "enter an e-mail address we can answer"
    return message.replace("String should have at least 1 character", "please fill this in")


# --- the case page behind a customer link ---------------------------------------------------


def _link(runtime: Runtime, token: str) -> CaseLink:
    return read_link_token(runtime.settings.resolved_secret_key(), token, runtime.clock.now())


def _case_page(
    request: Request,
    runtime: Runtime,
    token: str,
    link: CaseLink,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    case = read_customer_case(runtime.db, runtime.clock, runtime.desk, link)
    context = {"case": case, "token": token, "errors": {}, "values": {}, **extra}
    context["sent"] = request.query_params.get("sent") == "1"
    return render(request, "my_case.html", context, status=status)


@router.get("/my/case/{token}", dependencies=[page_needs("customer.case")])
def my_case(request: Request, token: str, runtime: Rt) -> Response:
    return _case_page(request, runtime, token, _link(runtime, token), {})


@router.post("/my/case/{token}/reply", dependencies=[page_needs("customer.case")])
async def my_case_reply(request: Request, token: str, runtime: Rt) -> Response:
    link = _link(runtime, token)
    limit = runtime.settings.max_attachment_bytes
    async with request.form(max_files=1, max_fields=10, max_part_size=limit + 1024 * 1024) as form:
        return await _reply(request, runtime, token, link, form, limit)


async def _reply(
    request: Request, runtime: Runtime, token: str, link: CaseLink, form: FormData, limit: int
) -> Response:
    check_csrf(session_of(request).csrf, form, request.headers.get(HEADER))
    body = str(form.get("body") or "")
    button = str(form.get("confirm") or "")
    answer: Literal["yes", "no"] | None = (
        "yes" if button == "yes" else "no" if button == "no" else None
    )
    document = form.get("document")
    upload = None
    try:
        if isinstance(document, UploadFile) and document.filename:
            upload = await _store(runtime, document, limit)
        # A Yes or No button is an answer by itself; the words typed with it are kept too.
        text = check_customer_reply(body or (button.capitalize() if answer else ""), upload)
    except (InvalidInput, PayloadTooLarge) as exc:
        field = "document" if isinstance(exc, PayloadTooLarge) else "body"
        extra = {"errors": {field: exc.message}, "values": {"body": body}}
        status = 413 if isinstance(exc, PayloadTooLarge) else 422
        return _case_page(request, runtime, token, link, extra, status)
    do_customer_reply(runtime.db, runtime.clock, runtime.desk, link, text, upload, answer=answer)
    return redirect(request, f"/my/case/{token}?sent=1")


async def _store(runtime: Runtime, document: UploadFile, limit: int) -> Upload:
    """Streams the upload into the blob store under its SHA-256, refusing it past the limit."""
    chunks = []
    size = 0
    while chunk := await document.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"the document is larger than {limit // 1024} KiB; send a smaller one"
            )
        chunks.append(chunk)
    try:
        blob = BlobStore(runtime.settings.attachments_path).write(chunks, limit)
    except TooLarge as exc:
        raise PayloadTooLarge(str(exc)) from exc
    name = (document.filename or "document").replace("/", "_").replace("\\", "_")
    return Upload(blob, name, document.content_type or "application/octet-stream")
