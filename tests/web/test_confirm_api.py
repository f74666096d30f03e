"""The starter's cancel-order playbook through the API: the customer's unclear
reply becomes a team task, an agent records the yes through the API, the built-in orders
connector cancels the order; a connector answer posted by a person is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.cases import EventKind
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import CaseEvent, Order
from tests.web.conftest import Persona
from tests.web.test_playbooks_api import _case, _run


def test_an_unclear_reply_goes_to_the_team_and_the_agent_records_the_yes(
    client: TestClient, people: dict[str, Persona], runtime: Runtime
) -> None:
    admin = people["admin"]
    case_id = _case(client, admin, "cancel-order", runtime)
    run = _run(client, admin, case_id)
    assert run["step"] == "confirm-cancel"
    forged = {"type": "connector-answered", "call": "1", "outcome": "ok"}
    response = client.post(f"/api/v1/runs/{run['id']}/events", json=forged, headers=admin.headers)
    assert response.status_code == 422  # not an event a person may send
    message = {"kind": "inbound", "body": "Would I get the refund this week?"}
    response = client.post(f"/api/v1/cases/{case_id}/messages", json=message, headers=admin.headers)
    assert response.status_code in (200, 201), response.text
    with runtime.db.transaction(write=False) as session:
        tasks = session.scalars(
            select(CaseEvent.body).where(
                CaseEvent.case_id == case_id, CaseEvent.kind == EventKind.PLAYBOOK_STEP.value
            )
        ).all()
    assert any("answer is unclear" in t and "refund this week" in t for t in tasks)
    assert _run(client, admin, case_id)["step"] == "confirm-cancel"
    recorded = {"type": "confirm", "answer": "yes", "text": "yes, on the phone"}
    response = client.post(f"/api/v1/runs/{run['id']}/events", json=recorded, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert _run(client, admin, case_id)["step"] == "cancel"
    Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), HANDLERS).tick()
    after = _run(client, admin, case_id)
    assert after["status"] == "done"
    with runtime.db.transaction(write=False) as session:
        order = session.scalars(select(Order)).one()
    assert order.status == "cancelled"
