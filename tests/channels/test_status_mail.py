"""Status mail through a real SMTP server (aiosmtpd): double opt-in with a signed link, update
mail (incident updates, maintenance) to confirmed subscribers only, one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.channels.status_mail import deliver_status_mail
from sopdesk.domain.clock import ManualClock
from sopdesk.engine.jobs import HandlerRegistry, WorkContext
from sopdesk.engine.worker import Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import StatusSubscriber
from tests.channels.conftest import Sink
from tests.web.conftest import Persona, client, desk_dir, people, runtime  # noqa: F401

OPEN = {
    "title": "API errors",
    "body": "Some API calls fail with 502.",
    "components": {"api": "partial_outage"},
}


def deliver(runtime: Runtime, port: int) -> int:  # noqa: F811
    settings = runtime.settings.model_copy(
        update={"smtp_port": port, "public_url": "http://testserver"}
    )
    registry = HandlerRegistry()
    registry.add("status.mail", deliver_status_mail)
    ctx = WorkContext(runtime.db, runtime.clock, runtime.desk, settings)
    return len(Worker(ctx, registry).tick().done)


def mails(sink: Sink) -> list[EmailMessage]:
    return [message_from_bytes(raw, policy=default) for _, _, raw in sink.messages]


def link_in(mail: EmailMessage, path: str) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(rf"http://testserver({path}/\S+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


def test_double_opt_in_then_update_mail_then_one_click_unsubscribe(
    client: TestClient,  # noqa: F811
    people: dict[str, Persona],  # noqa: F811
    runtime: Runtime,  # noqa: F811
    smtp_sink: tuple[Sink, int],
) -> None:
    runtime.settings.secret_key = "k" * 40  # the handler and the pages sign with the same key
    sink, port = smtp_sink
    lead = people["lead"].headers
    page = client.get("/status")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    csrf = token.group(1)
    bad = client.post("/status/subscribe", data={"email": "nope", "csrf_token": csrf})
    assert bad.status_code == 422 and "valid e-mail" in bad.text
    ok = client.post("/status/subscribe", data={"email": "Mia@Example.com", "csrf_token": csrf})
    assert ok.status_code == 200 and "Check your mail" in ok.text
    # Not confirmed yet: an incident sends no mail to the address.
    client.post("/api/v1/status/incidents", json=OPEN, headers=lead)
    assert deliver(runtime, port) == 1
    (confirm,) = mails(sink)
    assert confirm["To"] == "mia@example.com" and "Confirm" in confirm["Subject"]
    confirm_path = link_in(confirm, "/status/confirm")
    forged = client.get(confirm_path[:-3] + "xyz")
    assert forged.status_code == 403
    assert "Subscribed: mia@example.com" in client.get(confirm_path).text
    incident = client.post("/api/v1/status/incidents", json=OPEN, headers=lead).json()
    assert deliver(runtime, port) == 1
    update = mails(sink)[1]
    assert update["Subject"] == "[Investigating] API errors"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    leave = re.fullmatch(
        r"<http://testserver(/status/unsubscribe/\S+)>", update["List-Unsubscribe"]
    )
    assert leave
    assert "Some API calls fail with 502." in str(update.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    window = {
        "title": "Database upgrade",
        "body": "The API answers slowly for a while.",
        "starts_at": "2026-11-24T22:00:00Z",
        "ends_at": "2026-11-24T23:00:00Z",
        "components": ["api"],
    }
    client.post("/api/v1/status/maintenance", json=window, headers=lead)
    assert deliver(runtime, port) == 1
    notice = mails(sink)[2]
    assert notice["Subject"] == "[Maintenance] Database upgrade"
    notice_text = str(notice.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "2026-11-24 22:00 to 2026-11-24 23:00 UTC" in notice_text
    assert notice["List-Unsubscribe"] == update["List-Unsubscribe"]
    # A GET (a mail scanner) changes nothing; the one-click POST, without a session, does.
    assert client.get(leave.group(1)).status_code == 200
    fresh = TestClient(client.app)
    assert fresh.post(leave.group(1), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with runtime.db.transaction(write=False) as session:
        assert session.scalars(select(StatusSubscriber)).all() == []
    client.post(
        f"/api/v1/status/incidents/{incident['id']}/resolve", json={"body": "Fixed."}, headers=lead
    )
    assert deliver(runtime, port) == 0
    assert len(sink.messages) == 3


def test_a_confirmation_link_expires_after_a_week(
    client: TestClient,  # noqa: F811
    runtime: Runtime,  # noqa: F811
    clock: ManualClock,
    smtp_sink: tuple[Sink, int],
) -> None:
    runtime.settings.secret_key = "k" * 40
    sink, port = smtp_sink
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/status").text)
    assert csrf
    client.post(
        "/status/subscribe", data={"email": "late@example.com", "csrf_token": csrf.group(1)}
    )
    assert deliver(runtime, port) == 1
    clock.advance(timedelta(days=8))
    expired = client.get(link_in(mails(sink)[0], "/status/confirm"))
    assert expired.status_code == 403 and "expired" in expired.text
    with runtime.db.transaction(write=False) as session:
        row = session.scalars(select(StatusSubscriber)).one()
        assert row.confirmed_at is None
