"""The partner portal: a shop's users sign in, see their own tasks and answer them.

Pages under /partner; a console (agent) session cannot open them, nor a partner session the console.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sopdesk.engine.partner_tasks import (
    AnswerTask,
    check_answer_task,
    do_answer_task,
    get_partner_task,
    list_partner_tasks,
)
from sopdesk.engine.partner_users import authenticate_partner
from sopdesk.engine.partner_view import CustomerReport, customer_report
from sopdesk.errors import InvalidInput
from sopdesk.web.ui.forms import FormRefused, parse, refused, text_fields
from sopdesk.web.ui.login import attempt_sign_in, safe_next
from sopdesk.web.ui.rendering import PageRoute, redirect, render, session_of
from sopdesk.web.ui.viewer import Partner, PartnerViewer, PostedForm, Rt, page_needs

router = APIRouter(route_class=PageRoute, include_in_schema=False)
HOME = "/partner"


@router.get("/partner/login", dependencies=[page_needs("public")])
def login_page(request: Request, next: str | None = None) -> Response:
    if session_of(request).partner_user_id is not None:
        return redirect(request, safe_next(next, HOME))
    context = {"values": {"next": next or ""}, "errors": {}}
    return render(request, "partner_login.html", context)


@router.post("/partner/login", dependencies=[page_needs("public")])
def login(request: Request, form: PostedForm, runtime: Rt) -> Response:
    attempt = attempt_sign_in(request, form, runtime, authenticate_partner, scope="partner|")
    if attempt.who is None:
        context = {"values": attempt.values, "errors": attempt.errors}
        return render(request, "partner_login.html", context, status=attempt.status)
    user_id, _ = attempt.who
    session_of(request).sign_in(partner_user_id=user_id)
    target = safe_next(attempt.values["next"], HOME)
    return redirect(request, target if target.startswith(HOME) else HOME)


@router.post("/partner/logout", dependencies=[page_needs("public")])
def logout(request: Request, form: PostedForm) -> Response:
    session_of(request).sign_out()
    return redirect(request, "/partner/login")


@router.get("/partner", dependencies=[page_needs("partner.tasks")])
def tasks(request: Request, partner: Partner, runtime: Rt) -> Response:
    found = list_partner_tasks(runtime.db, runtime.clock, partner.principal)
    context = {"partner": partner, "tasks": found, "now": runtime.clock.now()}
    return render(request, "partner_tasks.html", context)


@router.get("/partner/tasks/{task_id}", dependencies=[page_needs("partner.tasks")])
def task_page(request: Request, task_id: int, partner: Partner, runtime: Rt) -> Response:
    task = get_partner_task(runtime.db, runtime.clock, partner.principal, task_id)
    context = {"partner": partner, "task": task, "values": {}, "errors": {}}
    context["report"] = _report(runtime, partner, task_id)
    return render(request, "partner_task.html", context)


def _report(runtime: Rt, partner: PartnerViewer, task_id: int) -> CustomerReport:
    return customer_report(runtime.db, runtime.clock, runtime.desk, partner.principal, task_id)


@router.post("/partner/tasks/{task_id}", dependencies=[page_needs("partner.tasks")])
def answer(
    request: Request, task_id: int, partner: Partner, runtime: Rt, form: PostedForm
) -> Response:
    task = get_partner_task(runtime.db, runtime.clock, partner.principal, task_id)
    values = text_fields(form)
    fields = {k: values.get(k, "") for k in ("answer", "carrier", "tracking_number")}
    fields["found"] = values.get("found", "")
    found = dict(task.options).get(fields["found"])
    if found:  # a button of what the shop found (the run's choice); what they typed goes below
        fields["answer"] = f"{found}\n\n{fields['answer']}".strip()
    try:
        command = parse(AnswerTask, fields)
        try:
            task = check_answer_task(runtime.db, runtime.clock, partner.principal, task_id, command)
        except InvalidInput as exc:
            raise refused(exc) from None
    except FormRefused as exc:
        context = {"partner": partner, "task": task, "values": values, "errors": exc.errors}
        context["report"] = _report(runtime, partner, task_id)
        return render(request, "partner_task.html", context, status=422)
    do_answer_task(runtime.db, runtime.clock, runtime.desk, partner.principal, task, command)
    return redirect(request, f"/partner/tasks/{task_id}?answered=1")
