"""The public pages: the /contact form (CSRF, honeypot, rate limit, field errors) and the case
page behind a signed customer link (public timeline only, replies, uploads, expired links)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.clock import ManualClock
from sopdesk.domain.links import make_link_token
from sopdesk.runtime import Runtime
from sopdesk.store.models import Attachment, Case, CaseEvent

FORM = {
    "name": "Ada Buyer",
    "email": "ada@example.com",
    "subject": "My card never arrived",
    "body": "Order 1234 shows delivered, but nothing came.",
}


def csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def post_contact(client: TestClient, **fields: str) -> object:
    return client.post("/contact", data={**FORM, "csrf_token": csrf(client, "/contact"), **fields})


def cases(runtime: Runtime) -> list[Case]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(Case)))


def test_the_contact_form_creates_a_case(client: TestClient, runtime: Runtime) -> None:
    response = post_contact(client)
    assert response.status_code == 200, response.text
    assert "Thank you" in response.text
    [case] = cases(runtime)
    assert case.subject == FORM["subject"] and case.channel == "web"


def test_a_form_without_csrf_is_refused(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/contact", data={**FORM, "csrf_token": "forged"})
    assert response.status_code == 403
    assert cases(runtime) == []


def test_the_honeypot_stores_nothing(client: TestClient, runtime: Runtime) -> None:
    response = post_contact(client, website="http://spam.example")
    assert response.status_code == 200
    assert cases(runtime) == []


def test_field_errors_keep_what_was_typed(client: TestClient, runtime: Runtime) -> None:
    response = post_contact(client, email="not-an-address", subject="")
    assert response.status_code == 422
    assert 'id="err-email"' in response.text and 'id="err-subject"' in response.text
    assert "Order 1234 shows delivered" in response.text and "not-an-address" in response.text
    assert cases(runtime) == []


def test_the_form_is_rate_limited_per_address(client: TestClient, runtime: Runtime) -> None:
    limit = runtime.settings.contact_rate_limit
    for _ in range(limit):
        assert post_contact(client).status_code == 200
    response = post_contact(client)
    assert response.status_code == 429
    assert "try again in an hour" in response.text
    assert len(cases(runtime)) == limit


def _link_for_new_case(client: TestClient, runtime: Runtime, days: int = 30) -> tuple[int, str]:
    post_contact(client)
    [case] = cases(runtime)
    secret = runtime.settings.resolved_secret_key()
    expires = runtime.clock.now() + timedelta(days=days)
    return case.id, make_link_token(secret, case.id, case.customer_id, expires)


def test_the_link_shows_the_public_timeline_only(client: TestClient, runtime: Runtime) -> None:
    case_id, token = _link_for_new_case(client, runtime)
    with runtime.db.transaction() as session:
        session.add(
            CaseEvent(
                case_id=case_id,
                kind="note",
                at=runtime.clock.now(),
                actor_kind="agent",
                body="INTERNAL: customer has 3 claims",
                data={},
            )
        )
    page = client.get(f"/my/case/{token}")
    assert page.status_code == 200
    assert FORM["subject"] in page.text and "Order 1234" in page.text
    assert "INTERNAL" not in page.text


def test_a_reply_with_a_document_is_a_customer_message(
    client: TestClient, runtime: Runtime
) -> None:
    case_id, token = _link_for_new_case(client, runtime)
    token_field = csrf(client, f"/my/case/{token}")
    response = client.post(
        f"/my/case/{token}/reply",
        data={"body": "Here is my receipt", "csrf_token": token_field},
        files={"document": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with runtime.db.transaction(write=False) as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc())
        ).first()
        assert event is not None
        assert (event.kind, event.actor_kind, event.body) == (
            "message_in",
            "customer",
            "Here is my receipt",
        )
        [file] = session.scalars(select(Attachment).where(Attachment.event_id == event.id))
    assert file.filename == "receipt.pdf"
    assert (runtime.settings.attachments_path / file.sha256[:2] / file.sha256).exists()
    assert "receipt.pdf" in client.get(f"/my/case/{token}").text


def test_an_upload_over_the_limit_is_refused(client: TestClient, runtime: Runtime) -> None:
    case_id, token = _link_for_new_case(client, runtime)
    before = events_of(runtime, case_id)
    token_field = csrf(client, f"/my/case/{token}")
    too_big = b"x" * (runtime.settings.max_attachment_bytes + 1)
    response = client.post(
        f"/my/case/{token}/reply",
        data={"body": "receipt attached", "csrf_token": token_field},
        files={"document": ("big.bin", too_big, "application/octet-stream")},
    )
    assert response.status_code == 413
    assert "receipt attached" in response.text and 'id="err-document"' in response.text
    assert events_of(runtime, case_id) == before


def events_of(runtime: Runtime, case_id: int) -> list[str]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))


def test_an_expired_link_gets_a_clear_page(
    client: TestClient, runtime: Runtime, clock: ManualClock
) -> None:
    _, token = _link_for_new_case(client, runtime, days=1)
    clock.advance(timedelta(days=2))
    response = client.get(f"/my/case/{token}")
    assert response.status_code == 403
    assert "expired" in response.text and "Traceback" not in response.text


def test_a_forged_link_gets_a_clear_page(client: TestClient, runtime: Runtime) -> None:
    _, token = _link_for_new_case(client, runtime)
    response = client.get(f"/my/case/{token[:-2]}xx")
    assert response.status_code == 403
    assert "not valid" in response.text


def test_the_link_never_shows_mail_to_the_shop_or_what_others_wrote(
    client: TestClient, runtime: Runtime
) -> None:
    case_id, token = _link_for_new_case(client, runtime)
    with runtime.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        now, me = runtime.clock.now(), case.customer_id

        def add(kind: str, actor: str, actor_id: int | None, body: str, **data: object) -> None:
            session.add(
                CaseEvent(
                    case_id=case_id,
                    kind=kind,
                    at=now,
                    actor_kind=actor,
                    actor_id=actor_id,
                    body=body,
                    data=data,
                )
            )

        add("message_out", "agent", 1, "TO-SHOP: please check the package", recipient="partner")
        add("message_out", "agent", 1, "TO-OTHER: did you get a card?", recipient="other-customer")
        add("message_in", "partner", 7, "SHOP-SAYS: it was in the box", task_id=3)
        add("message_in", "customer", me + 1000, "OTHER-SAYS: I have the card")
        add("message_out", "agent", 1, "TO-YOU: we are checking", recipient="customer")
        add("message_in", "customer", me, "MINE: thanks")
    page = client.get(f"/my/case/{token}")
    assert page.status_code == 200
    for hidden in ("TO-SHOP", "TO-OTHER", "SHOP-SAYS", "OTHER-SAYS"):
        assert hidden not in page.text
    assert "TO-YOU" in page.text and "MINE" in page.text
