"""The status-page admin API: leads and admins open, update and resolve incidents and schedule
maintenance; agents link cases; resolving can answer every linked customer with a macro."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sopdesk.domain.clock import ManualClock
from sopdesk.engine.status_views import active_incidents_for
from sopdesk.runtime import Runtime
from sopdesk.store.models import CaseEvent, OutboxMessage, StatusIncident
from tests.web.conftest import Persona

OPEN = {
    "title": "Wallet passes do not update",
    "body": "We are looking into passes that do not refresh.",
    "components": {"wallet-passes": "major_outage"},
}


def test_a_lead_runs_an_incident_from_open_to_resolved_and_the_page_follows(
    client: TestClient, people: dict[str, Persona], clock: ManualClock
) -> None:
    lead = people["lead"].headers
    opened = client.post("/api/v1/status/incidents", json=OPEN, headers=lead)
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    assert incident["phase"] == "investigating"
    page = client.get("/status.json").json()
    states = {c["slug"]: c["state"] for g in page["groups"] for c in g["components"]}
    assert states["wallet-passes"] == "major_outage" and states["api"] == "operational"
    assert page["status"] == "major_outage"
    clock.advance(timedelta(minutes=30))
    update = {"phase": "monitoring", "body": "A fix is out.", "components": None}
    moved = client.post(
        f"/api/v1/status/incidents/{incident['id']}/updates", json=update, headers=lead
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["components"] == {"wallet-passes": "major_outage"}  # kept
    assert [u["phase"] for u in moved.json()["updates"]] == ["investigating", "monitoring"]
    clock.advance(timedelta(minutes=30))
    done = client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve",
        json={"body": "All passes refresh again."},
        headers=lead,
    )
    assert done.status_code == 200 and done.json()["resolved_at"] is not None
    page = client.get("/status.json").json()
    assert page["status"] == "operational" and page["incidents"] == []
    assert [i["id"] for i in page["recent_incidents"]] == [incident["id"]]
    wallet = next(
        c for g in page["groups"] for c in g["components"] if c["slug"] == "wallet-passes"
    )
    assert wallet["uptime_90d"] < 1.0
    again = client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve", json={"body": "x"}, headers=lead
    )
    assert again.status_code == 409


def test_only_leads_and_admins_write_and_bad_input_changes_nothing(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent = people["agent"].headers
    assert client.post("/api/v1/status/incidents", json=OPEN, headers=agent).status_code == 403
    assert client.post("/api/v1/status/incidents", json=OPEN).status_code == 401
    admin = people["admin"].headers
    for body in (
        {**OPEN, "components": {"payroll": "major_outage"}},
        {**OPEN, "components": {"api": "maintenance"}},
        {**OPEN, "components": {}},
        {**OPEN, "title": "  "},
        {**OPEN, "phase": "resolved"},
    ):
        response = client.post("/api/v1/status/incidents", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    window = {
        "title": "Database upgrade",
        "starts_at": "2026-11-24T22:00:00Z",
        "ends_at": "2026-11-24T21:00:00Z",
        "components": ["api"],
    }
    assert client.post("/api/v1/status/maintenance", json=window, headers=admin).status_code == 422
    missing = client.post(
        "/api/v1/status/incidents/999/updates",
        json={"phase": "identified", "body": "x"},
        headers=admin,
    )
    assert missing.status_code == 404
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(StatusIncident)) == 0


def test_maintenance_marks_its_components_expected_down_in_its_window(
    client: TestClient, people: dict[str, Persona], clock: ManualClock
) -> None:
    start = clock.now() + timedelta(hours=1)
    window = {
        "title": "Database upgrade",
        "body": "The dashboard is read-only meanwhile.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "components": ["dashboard"],
    }
    made = client.post("/api/v1/status/maintenance", json=window, headers=people["admin"].headers)
    assert made.status_code == 201, made.text

    def dashboard() -> str:
        page = client.get("/status.json").json()
        return next(
            c["state"] for g in page["groups"] for c in g["components"] if c["slug"] == "dashboard"
        )

    assert dashboard() == "operational"
    clock.advance(timedelta(hours=1, minutes=5))
    assert dashboard() == "maintenance"
    clock.advance(timedelta(hours=2))
    assert dashboard() == "operational"


def test_resolving_answers_every_linked_customer_with_the_macro_as_the_desks_reply(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent, lead = people["agent"].headers, people["lead"].headers
    incident = client.post("/api/v1/status/incidents", json=OPEN, headers=lead).json()
    cases = []
    for n in range(2):
        contact = {
            "customer_email": f"merchant{n}@example.com",
            "customer_name": f"Mia Merchant{n}",
            "subject": "My passes are stuck",
            "body": "The wallet passes of my customers do not update.",
            "channel": "email",
        }
        cases.append(client.post("/api/v1/cases", json=contact, headers=agent).json()["id"])
    url = f"/api/v1/status/incidents/{incident['id']}/cases"
    for case_id in [*cases, cases[0]]:
        linked = client.post(url, json={"case_id": case_id}, headers=agent)
        assert linked.status_code == 200, linked.text
    assert linked.json()["cases"] == cases  # linking twice stores one link
    assert client.post(url, json={"case_id": 9999}, headers=agent).status_code == 404
    bad = client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve",
        json={"body": "Fixed.", "macro": "replace-card-request"},
        headers=lead,
    )
    assert bad.status_code == 422  # written to partners
    done = client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve",
        json={"body": "Fixed.", "macro": "incident-resolved"},
        headers=lead,
    )
    assert done.status_code == 200, done.text
    assert done.json()["answered_cases"] == cases
    with runtime.db.transaction(write=False) as session:
        for case_id in cases:
            reply = session.scalars(
                select(CaseEvent).where(
                    CaseEvent.case_id == case_id, CaseEvent.kind == "message_out"
                )
            ).one()
            assert reply.body is not None and reply.body.startswith("Hi Mia,")
            assert "known incident" in reply.body
        kinds = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.case_id.in_(cases)))
        assert sorted(kinds).count("message.out") == 2


def test_the_bot_learns_of_an_incident_on_a_component_the_question_names(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    client.post("/api/v1/status/incidents", json=OPEN, headers=people["lead"].headers)
    now = runtime.clock.now()
    found = active_incidents_for(
        runtime.db, runtime.desk, now, "Why do my wallet passes not update?"
    )
    assert [i["title"] for i in found] == [OPEN["title"]]
    assert found[0]["latest"] == OPEN["body"]
    assert active_incidents_for(runtime.db, runtime.desk, now, ["wallet-passes"]) == found
    assert active_incidents_for(runtime.db, runtime.desk, now, "My API key is lost") == []
    assert active_incidents_for(runtime.db, runtime.desk, now, []) == []


def test_the_atom_feed_lists_incidents_newest_first_with_their_updates(
    client: TestClient, people: dict[str, Persona], clock: ManualClock
) -> None:
    lead = people["lead"].headers
    first = client.post("/api/v1/status/incidents", json=OPEN, headers=lead).json()
    clock.advance(timedelta(hours=1))
    second = {**OPEN, "title": "API <errors> & timeouts", "components": {"api": "degraded"}}
    client.post("/api/v1/status/incidents", json=second, headers=lead)
    client.post(
        f"/api/v1/status/incidents/{first['id']}/resolve", json={"body": "Fixed."}, headers=lead
    )
    response = client.get("/status.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == ["API <errors> & timeouts (investigating)", f"{OPEN['title']} (resolved)"]
    content = feed.findall("a:entry", ns)[1].findtext("a:content", namespaces=ns) or ""
    assert content.startswith("Resolved (2026-11-23 10:00 UTC): Fixed.")
    assert feed.findtext("a:updated", namespaces=ns) == clock.now().isoformat()


def test_resolving_never_mails_a_blank_name_it_holds_a_draft(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    agent, lead = people["agent"].headers, people["lead"].headers
    incident = client.post("/api/v1/status/incidents", json=OPEN, headers=lead).json()
    named, nameless = (
        client.post(
            "/api/v1/cases",
            json={
                "customer_email": email,
                **({"customer_name": name} if name else {}),
                "subject": "Passes stuck",
                "body": "Nothing updates.",
                "channel": "email",
            },
            headers=agent,
        ).json()["id"]
        for email, name in (("named@example.com", "Nia Named"), ("anon@example.com", None))
    )
    url = f"/api/v1/status/incidents/{incident['id']}/cases"
    for case_id in (named, nameless):
        assert client.post(url, json={"case_id": case_id}, headers=agent).status_code == 200
    done = client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve",
        json={"body": "Fixed.", "macro": "incident-resolved"},
        headers=lead,
    )
    assert done.status_code == 200, done.text
    assert done.json()["answered_cases"] == [named]
    assert done.json()["held_cases"] == [nameless]
    with runtime.db.transaction(write=False) as session:
        bodies = session.scalars(
            select(CaseEvent.body).where(
                CaseEvent.case_id == nameless, CaseEvent.kind == "message_out"
            )
        ).all()
        assert bodies == []
    (draft,) = client.get(f"/api/v1/cases/{nameless}/drafts", headers=agent).json()
    assert draft["missing"] == ["customer.first_name"]
    assert "[[fill in: customer.first_name]]" in draft["body"]
