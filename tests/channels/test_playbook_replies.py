"""A customer's reply moves a playbook run that waits for it, whichever way it comes: an e-mail
(threaded by the case tag) or the reply form behind the signed customer link. SQLite and
PostgreSQL, on the starter desk's proof-of-purchase hold (seed 001)."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient

from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.domain.links import make_link_token
from sopdesk.domain.principal import Principal
from sopdesk.engine.playbook_views import RunView
from sopdesk.engine.playbooks import get_run, list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case
from tests.web.conftest import Persona, client, desk_dir, people, runtime  # noqa: F401

CUSTOMER = "cleo@example.com"


def _waiting_run(client: TestClient, admin: Persona, runtime: Runtime) -> RunView:  # noqa: F811
    """A proof-of-purchase case whose run has mailed the customer and waits for the proof."""
    body = {
        "customer_email": CUSTOMER,
        "subject": "Why is my payout on hold?",
        "body": "My trade-in payout is on hold.",
        "category": "proof-of-purchase-hold",
    }
    response = client.post("/api/v1/cases", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    case_id = int(response.json()["id"])
    [run] = list_case_runs(runtime.db, Principal.system(), case_id)
    first = {"type": "tick", "item": "all"}  # no order: the numbers are typed next
    answer = client.post(f"/api/v1/runs/{run.id}/events", json=first, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    tick = {"type": "tick", "item": "all", "values": {"v_number": "V-1", "s_number": "S-2"}}
    answer = client.post(f"/api/v1/runs/{run.id}/events", json=tick, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    run = get_run(runtime.db, Principal.system(), run.id)
    assert (run.step, run.status) == ("wait-for-proof", "waiting")
    assert run.waiting_for is not None and "customer" in run.waiting_for
    return run


def test_an_email_reply_moves_the_waiting_run_on(
    client: TestClient,  # noqa: F811
    people: dict[str, Persona],  # noqa: F811
    runtime: Runtime,  # noqa: F811
) -> None:
    run = _waiting_run(client, people["admin"], runtime)
    reply = EmailMessage()
    reply["From"] = f"Cleo <{CUSTOMER}>"
    reply["To"] = "support@desk.example"
    reply["Subject"] = f"Re: Your iPhone - proof of purchase [#{run.case_id}]"
    reply["Message-ID"] = "<proof-1@example.com>"
    reply.set_content("Here is my receipt.")
    reply.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="r.pdf")
    result = MailReceiver(runtime).receive(reply.as_bytes())
    assert (result.outcome, result.case_id) == ("appended", run.case_id)
    moved = get_run(runtime.db, Principal.system(), run.id)
    assert (moved.step, moved.status) == ("ask-approval", "waiting")


def test_a_reply_through_the_customer_link_moves_the_waiting_run_on(
    client: TestClient,  # noqa: F811
    people: dict[str, Persona],  # noqa: F811
    runtime: Runtime,  # noqa: F811
) -> None:
    run = _waiting_run(client, people["admin"], runtime)
    with runtime.db.transaction(write=False) as session:
        case = session.get(Case, run.case_id)
        assert case is not None
        customer_id = case.customer_id
    expires = runtime.clock.now() + timedelta(days=30)
    token = make_link_token(
        runtime.settings.resolved_secret_key(), run.case_id, customer_id, expires
    )
    page = client.get(f"/my/case/{token}").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    response = client.post(
        f"/my/case/{token}/reply",
        data={"body": "Here is my receipt", "csrf_token": found.group(1)},
        files={"document": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    moved = get_run(runtime.db, Principal.system(), run.id)
    assert (moved.step, moved.status) == ("ask-approval", "waiting")
