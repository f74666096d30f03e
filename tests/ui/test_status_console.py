"""The status console page: an admin opens, updates and resolves an incident with the forms;
an agent without lead or admin is refused; bad input shows a message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.ui.conftest import csrf_of


def test_an_admin_runs_an_incident_from_the_console(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    admin = signed_in("admin")
    page = admin.get("/admin/status")
    assert page.status_code == 200 and "Open an incident" in page.text
    token = csrf_of(page.text)
    refused = admin.post(
        "/admin/status/incidents",
        data={"title": "Dashboard slow", "body": "Looking.", "csrf_token": token},
    )
    assert refused.status_code == 422 and "components" in refused.text
    assert "Dashboard slow" not in admin.get("/status").text
    opened = admin.post(
        "/admin/status/incidents",
        data={
            "title": "Dashboard slow",
            "body": "Looking.",
            "phase": "investigating",
            "state-dashboard": "degraded",
            "csrf_token": token,
        },
    )
    assert opened.status_code == 303
    public = admin.get("/status").text
    assert "Dashboard slow" in public and "Degraded" in public
    incident_id = admin.get("/status.json").json()["incidents"][0]["id"]
    base = f"/admin/status/incidents/{incident_id}"
    case_id = make_case()
    linked = admin.post(f"{base}/cases", data={"case_id": str(case_id), "csrf_token": token})
    assert linked.status_code == 303
    update = {"phase": "monitoring", "body": "Fix deployed.", "csrf_token": token}
    assert admin.post(f"{base}/updates", data=update).status_code == 303
    done = admin.post(
        f"{base}/resolve",
        data={"body": "Fast again.", "macro": "incident-resolved", "csrf_token": token},
    )
    assert done.status_code == 303
    state = admin.get("/status.json").json()
    assert state["incidents"] == [] and state["recent_incidents"][0]["phase"] == "resolved"
    timeline = admin.get(f"/cases/{case_id}").text
    assert "known incident" in timeline


def test_an_agent_may_not_open_the_status_console(signed_in: Callable[[str], TestClient]) -> None:
    agent = signed_in("agent")
    assert agent.get("/admin/status").status_code == 403
    token = csrf_of(agent.get("/").text)
    posted = agent.post(
        "/admin/status/incidents",
        data={"title": "x", "body": "y", "state-api": "degraded", "csrf_token": token},
    )
    assert posted.status_code == 403
