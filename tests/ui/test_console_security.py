"""The console's guards: CSRF refusal, the sign-in rate limit, roles, autoescaping.

Each test drives the real app through TestClient with real agents and real cases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import ChangeCase, check_change_case, do_change_case
from sopdesk.runtime import Runtime
from tests.ui.conftest import PASSWORD, csrf_of, sign_in


def test_signed_out_visitors_are_sent_to_sign_in(browser: TestClient) -> None:
    for path in ("/", "/board", "/cases/1", "/approvals", "/admin/agents", "/callouts"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_a_form_without_the_csrf_token_is_refused(browser: TestClient, people: dict) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"email": "agent@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "form has expired" in response.text
    forged = browser.post(
        "/login",
        data={"email": "agent@example.com", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert forged.status_code == 403


def test_a_signed_in_form_needs_the_sessions_token(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case()
    agent = signed_in("agent")
    refused = agent.post(f"/cases/{case_id}/messages", data={"kind": "note", "body": "hi"})
    assert refused.status_code == 403
    token = csrf_of(agent.get(f"/cases/{case_id}").text)
    accepted = agent.post(
        f"/cases/{case_id}/messages", data={"kind": "note", "body": "hi", "csrf_token": token}
    )
    assert accepted.status_code == 303


def test_sign_in_is_rate_limited_per_ip_and_email(
    browser: TestClient, people: dict, runtime: Runtime
) -> None:
    token = csrf_of(browser.get("/login").text)
    wrong = {"email": "agent@example.com", "password": "wrong password", "csrf_token": token}
    for _ in range(5):
        assert browser.post("/login", data=wrong).status_code == 401
    limited = browser.post("/login", data={**wrong, "password": PASSWORD})
    assert limited.status_code == 429
    assert "too many sign-in attempts" in limited.text
    assert 'value="agent@example.com"' in limited.text
    runtime.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    sign_in(browser, "agent@example.com")


def test_bad_input_is_shown_next_to_the_field_and_kept(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case()
    agent = signed_in("agent")
    token = csrf_of(agent.get(f"/cases/{case_id}").text)
    response = agent.post(
        f"/cases/{case_id}/messages",
        data={"kind": "call", "minutes": "ten", "body": "Customer called", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "enter whole minutes" in response.text
    assert "Customer called</textarea>" in response.text
    response = agent.post(
        f"/cases/{case_id}/escalate", data={"level": "2", "reason": " ", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "say why the case changes level" in response.text
    assert '<option value="2" selected>' in response.text


def test_roles_decide_what_each_page_allows(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int], runtime: Runtime
) -> None:
    case_id = make_case(subject="Legal threat")
    command = ChangeCase(level=3, reason="legal")
    system = Principal.system()
    changes = check_change_case(runtime.db, system, runtime.desk, case_id, command)
    do_change_case(runtime.db, runtime.clock, system, case_id, changes, "legal", runtime.desk)
    agent = signed_in("agent")
    assert agent.get(f"/cases/{case_id}").status_code == 403
    assert agent.get("/approvals").status_code == 403
    assert agent.get("/admin/agents").status_code == 403
    assert agent.get("/admin/outbox").status_code == 403
    assert agent.get("/callouts").status_code == 403  # trends are for level 2+, leads, admins
    token = csrf_of(agent.get("/").text)
    visible = make_case(subject="Buy followers")  # at level 1: the agent sees it
    form = {"action": "spam", "case": str(visible), "csrf_token": token}
    spam = agent.post("/cases/bulk", data=form)
    assert spam.status_code == 403
    assert "level 2" in spam.text
    admin = signed_in("admin")
    assert admin.get(f"/cases/{case_id}").status_code == 200
    assert admin.get("/admin/agents").status_code == 200
    assert admin.get("/callouts").status_code == 200
    assert signed_in("senior").get("/callouts").status_code == 200  # a level-2 agent
    assert signed_in("approver").get("/approvals").status_code == 200


def test_a_script_in_a_subject_is_escaped(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case(subject="<script>alert('x')</script>")
    admin = signed_in("admin")
    for path in ("/?view=all", f"/cases/{case_id}"):
        page = admin.get(path).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page


def test_signing_out_ends_the_session(signed_in: Callable[[str], TestClient]) -> None:
    agent = signed_in("agent")
    token = csrf_of(agent.get("/").text)
    assert agent.post("/logout", data={"csrf_token": token}).status_code == 303
    assert agent.get("/").status_code == 303
