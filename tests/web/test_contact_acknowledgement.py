"""The contact form sends the acknowledgement it promises, through the outbox and the real
worker to an SMTP sink; the acknowledgement is the desk's, so no response clock stops."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.handlers import import_handlers
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, SlaClockRow
from tests.channels.conftest import Sink, smtp_sink
from tests.web.test_customer_pages import FORM, post_contact

__all__ = ["smtp_sink"]


def test_the_contact_form_mails_the_promised_acknowledgement(
    client: TestClient, runtime: Runtime, smtp_sink: tuple[Sink, int]
) -> None:
    sink, port = smtp_sink
    response = post_contact(client)
    assert "confirmation by e-mail" in response.text  # type: ignore[attr-defined]
    import_handlers()
    settings = runtime.settings.model_copy(update={"smtp_port": port})
    Worker(WorkContext(runtime.db, runtime.clock, runtime.desk, settings), HANDLERS).tick()
    with runtime.db.transaction(write=False) as session:
        case = session.scalars(select(Case)).one()
        clocks = session.scalars(select(SlaClockRow).where(SlaClockRow.case_id == case.id)).all()
    [(_, rcpt, content)] = sink.messages
    mail = message_from_bytes(content, policy=default)
    assert rcpt == [FORM["email"]]
    assert f"We have your message: {FORM['subject']}" in str(mail["Subject"])
    assert f"case #{case.id}" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ada," in content.decode()
    assert clocks and all(clock.stopped_at is None for clock in clocks)
