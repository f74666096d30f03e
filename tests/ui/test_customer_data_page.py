"""Erasing from the customer page: admins only, after typing the confirmation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.runtime import Runtime
from sopdesk.store.models import Case
from tests.ui.conftest import csrf_of


def test_erase_needs_an_admin_and_the_typed_confirmation(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int], runtime: Runtime
) -> None:
    case_id = make_case(subject="Private matter")
    with runtime.db.transaction(write=False) as session:
        customer = session.scalar(select(Case.customer_id).where(Case.id == case_id))
    agent = signed_in("agent")
    page = agent.get(f"/customers/{customer}")
    assert page.status_code == 200 and "Erase this customer" not in page.text
    token = csrf_of(page.text)
    refused = agent.post(
        f"/customers/{customer}/erase", data={"csrf_token": token, "confirm": f"erase {customer}"}
    )
    assert refused.status_code == 403 and "admin" in refused.text
    admin = signed_in("admin")
    token = csrf_of(admin.get(f"/customers/{customer}").text)
    unconfirmed = admin.post(
        f"/customers/{customer}/erase", data={"csrf_token": token, "confirm": "yes"}
    )
    assert unconfirmed.status_code == 422 and "cannot be undone" in unconfirmed.text
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(Case.subject).where(Case.id == case_id)) == "Private matter"
    done = admin.post(
        f"/customers/{customer}/erase", data={"csrf_token": token, "confirm": f"erase {customer}"}
    )
    assert done.status_code == 303
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(Case.subject).where(Case.id == case_id)) == "[erased]"
