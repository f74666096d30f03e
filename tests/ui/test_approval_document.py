"""Seed 001's proof of purchase, end to end through real uploads: the customer sends a PNG and a
PDF through their signed case link, the approver's inbox shows both inline, and the attachment
endpoint serves them only to people who may see the case.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.links import make_link_token
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import get_case
from sopdesk.engine.escalation import Escalate, do_escalate_case
from sopdesk.engine.playbooks import do_send_event, list_case_runs
from sopdesk.runtime import Runtime
from sopdesk.store.models import Attachment
from sopdesk.web.app import create_app
from tests.ui.conftest import csrf_of

SYSTEM = Principal.system()
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def receipt_png() -> bytes:
    """A real 2x2 RGB PNG (what a phone photo of a receipt is, minus the pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _customer_uploads(runtime: Runtime, token: str, name: str, data: bytes, kind: str) -> None:
    """The customer's own browser (no console session) posts the document to their link."""
    with TestClient(create_app(runtime), follow_redirects=False) as customer:
        form = csrf_of(customer.get(f"/my/case/{token}").text)
        sent = customer.post(
            f"/my/case/{token}/reply",
            data={"body": "Here is my receipt.", "csrf_token": form},
            files={"document": (name, data, kind)},
        )
        assert sent.status_code == 303, sent.text


def test_an_uploaded_proof_of_purchase_is_shown_inline_to_the_approver_only(
    runtime: Runtime,
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
) -> None:
    case_id = make_case(subject="Trade-in: iPhone 16", category="proof-of-purchase-hold")
    senior = signed_in("senior")
    (run,) = list_case_runs(runtime.db, SYSTEM, case_id)
    token = csrf_of(senior.get(f"/cases/{case_id}").text)
    first = {"action": "tick", "item": "all", "csrf_token": token}
    assert senior.post(f"/runs/{run.id}/act", data=first).status_code == 303
    # The case has no order to read the V-number and S-number from: the agent types them.
    assert list_case_runs(runtime.db, SYSTEM, case_id)[0].step == "note-numbers"
    ticked = senior.post(
        f"/runs/{run.id}/act",
        data={
            "action": "tick",
            "item": "all",
            "value_v_number": "V-1234",
            "value_s_number": "S-5678",
            "csrf_token": token,
        },
    )
    assert ticked.status_code == 303
    assert list_case_runs(runtime.db, SYSTEM, case_id)[0].step == "wait-for-proof"
    # Trade-in fraud is a level-2 matter here: a level-1 agent no longer sees the case.
    escalate = Escalate(level=2, reason="stolen-device check")
    do_escalate_case(runtime.db, runtime.clock, SYSTEM, case_id, escalate, runtime.desk)
    customer_id = get_case(runtime.db, SYSTEM, case_id).customer_id
    secret = runtime.settings.resolved_secret_key()
    link = make_link_token(secret, case_id, customer_id, runtime.clock.now() + timedelta(days=7))
    png = receipt_png()
    _customer_uploads(runtime, link, "receipt.png", png, "image/png")
    _customer_uploads(runtime, link, "invoice.pdf", PDF, "application/pdf")
    assert list_case_runs(runtime.db, SYSTEM, case_id)[0].step == "ask-approval"
    with runtime.db.transaction(write=False) as session:
        files = {
            a.filename: a.id
            for a in session.scalars(select(Attachment).where(Attachment.case_id == case_id))
        }
    approver = signed_in("approver")
    inbox = approver.get("/approvals").text
    assert "Please approve the proof of purchase for V-1234 | S-5678" in inbox
    assert f'<img src="/attachments/{files["receipt.png"]}" alt="receipt.png"' in inbox
    assert f'<object data="/attachments/{files["invoice.pdf"]}" type="application/pdf"' in inbox
    image = approver.get(f"/attachments/{files['receipt.png']}")
    assert image.status_code == 200 and image.content == png
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")
    pdf = approver.get(f"/attachments/{files['invoice.pdf']}")
    assert pdf.status_code == 200 and pdf.content == PDF
    agent = signed_in("agent")
    for attachment_id in files.values():
        denied = agent.get(f"/attachments/{attachment_id}")
        assert denied.status_code in (403, 404)
        assert png not in denied.content and PDF not in denied.content
    assert agent.get("/approvals").status_code == 403


def test_an_approval_for_arvin_shows_who_decides_and_a_refusal_stays_on_the_page(
    runtime: Runtime, signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case(subject="Trade-in: iPhone 16", category="proof-of-purchase-hold")
    run = list_case_runs(runtime.db, SYSTEM, case_id)[0]
    first = ev.Ticked(item="all")  # no order: the numbers are typed next
    do_send_event(runtime.db, runtime.clock, runtime.desk, SYSTEM, run.id, first)
    tick = ev.Ticked(item="all", values={"v_number": "V-1", "s_number": "S-2"})
    do_send_event(runtime.db, runtime.clock, runtime.desk, SYSTEM, run.id, tick)
    do_send_event(
        runtime.db, runtime.clock, runtime.desk, SYSTEM, run.id, ev.Replied(party="customer")
    )
    approver = signed_in("approver")  # has the approver role, but is not Arvin
    page = approver.get("/approvals").text
    assert "Waits for Arvin" in page and 'value="approve"' not in page
    token = csrf_of(page)
    refused = approver.post(
        f"/approvals/{run.id}", data={"decision": "approve", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert "only Arvin" in refused.text and "<h1>Approvals</h1>" in refused.text
    assert list_case_runs(runtime.db, SYSTEM, case_id)[0].step == "ask-approval"
