"""Mail over real sockets: the SMTP listener fed by smtplib, IMAP polling of a real dovecot,
and the inbound webhook over ASGI."""

from __future__ import annotations

import asyncio
import smtplib

import httpx
import pytest
from imapclient import IMAPClient

from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.imap_in import HANDLED, ImapPoller
from sopdesk.channels.email.inbound import MailReceiver
from sopdesk.channels.email.smtp_in import SmtpListener
from sopdesk.domain.cases import Role
from sopdesk.engine.accounts import CreateAgent, do_create_agent, do_create_token
from sopdesk.web.api import inbound
from sopdesk.web.app import create_app
from tests.channels.conftest import CORPUS, Imap, free_port

PLAIN = (CORPUS / "01-gmail-plain.eml").read_bytes()
NO_FROM = (CORPUS / "24-no-from.eml").read_bytes()


def test_smtp_listener_turns_mail_into_cases_and_refuses_with_reasons(
    receiver: MailReceiver,
) -> None:
    listener = SmtpListener(receiver, port=free_port())
    with listener, smtplib.SMTP("127.0.0.1", listener.port) as client:
        client.sendmail("ann@example.com", ["support@desk.example"], PLAIN)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("", ["support@desk.example"], NO_FROM)
        assert refused.value.smtp_code == 550
        with pytest.raises(smtplib.SMTPSenderRefused) as too_big:
            client.sendmail("a@example.com", ["s@desk.example"], b"x" * (receiver.max_bytes + 10))
        assert too_big.value.smtp_code == 552
    assert receiver.receive(PLAIN).outcome == "duplicate"


def test_imap_poller_takes_new_mail_once_and_flags_it(
    receiver: MailReceiver, imap_server: Imap
) -> None:
    with IMAPClient("127.0.0.1", port=imap_server.port, ssl=False) as client:
        client.login(imap_server.user, imap_server.password)
        client.append("INBOX", PLAIN)
        client.append("INBOX", NO_FROM)
    settings = MailSettings(
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_security="none",
        imap_username=imap_server.user,
        imap_password=imap_server.password,
    )
    poller = ImapPoller(settings, receiver, poll_seconds=1)
    with poller.connect() as client:
        assert poller.poll_once(client) == 2
        assert poller.poll_once(client) == 0
        flags = client.get_flags(client.search(["ALL"]))
    assert all(HANDLED in f for f in flags.values())
    assert sum(b"SopdeskRefused" in f for f in flags.values()) == 1


def test_imap_idle_wakes_on_new_mail(receiver: MailReceiver, imap_server: Imap) -> None:
    settings = MailSettings(
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_security="none",
        imap_username=imap_server.user,
        imap_password=imap_server.password,
    )
    poller = ImapPoller(settings, receiver, poll_seconds=30)
    with poller.connect() as client:
        assert b"IDLE" in client.capabilities()
        client.idle()
        with IMAPClient("127.0.0.1", port=imap_server.port, ssl=False) as other:
            other.login(imap_server.user, imap_server.password)
            other.append("INBOX", PLAIN)
        responses = client.idle_check(timeout=10)
        client.idle_done()
        assert any(b"EXISTS" in r for r in responses)
        assert poller.poll_once(client) == 1


def test_inbound_webhook_needs_an_admin_token(receiver: MailReceiver) -> None:
    runtime = receiver.runtime
    app = create_app(runtime)
    app.include_router(inbound.router, prefix="/api/v1")
    tokens = {}
    for name, roles in (("admin", [Role.ADMIN]), ("agent", [Role.AGENT])):
        agent = do_create_agent(
            runtime.db,
            runtime.clock,
            CreateAgent(email=f"{name}@example.com", name=name, roles=roles),
        )
        tokens[name] = do_create_token(runtime.db, runtime.clock, agent.id, "t").token

    async def post(token: str | None, body: bytes) -> httpx.Response:
        headers = {"Content-Type": "message/rfc822"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            return await client.post("/api/v1/inbound/email", content=body, headers=headers)

    assert asyncio.run(post(None, PLAIN)).status_code == 401
    assert asyncio.run(post(tokens["agent"], PLAIN)).status_code == 403
    created = asyncio.run(post(tokens["admin"], PLAIN))
    assert created.status_code == 201 and created.json()["outcome"] == "created"
    assert asyncio.run(post(tokens["admin"], PLAIN)).json()["outcome"] == "duplicate"
    refused = asyncio.run(post(tokens["admin"], NO_FROM))
    assert refused.status_code == 422 and "sender" in refused.json()["detail"]
