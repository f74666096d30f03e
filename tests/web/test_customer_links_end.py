"""Customer links that end: an agent withdraws them (links sent later work again), and a case
closed for longer than the desk's `customer_links.closed_days` no longer opens by its link."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from sopdesk.domain.clock import ManualClock
from sopdesk.domain.links import case_link, make_link_token
from sopdesk.runtime import Runtime
from tests.web.conftest import Persona
from tests.web.test_customer_pages import cases, post_contact


def _case(client: TestClient, runtime: Runtime) -> tuple[int, int]:
    post_contact(client)
    [case] = cases(runtime)
    return case.id, case.customer_id


def _link(runtime: Runtime, case_id: int, customer_id: int) -> str:
    secret = runtime.settings.resolved_secret_key()
    url = case_link("http://x", secret, case_id, customer_id, runtime.clock.now(), 30)
    return url.removeprefix("http://x")


def test_an_agent_withdraws_the_links_sent_so_far(
    client: TestClient, runtime: Runtime, people: dict[str, Persona], clock: ManualClock
) -> None:
    case_id, customer_id = _case(client, runtime)
    sent = _link(runtime, case_id, customer_id)
    assert client.get(sent).status_code == 200
    clock.advance(timedelta(minutes=5))
    revoked = client.post(
        f"/api/v1/cases/{case_id}/customer-links/revoke",
        json={"reason": "forwarded to the wrong person"},
        headers=people["agent"].headers,
    )
    assert revoked.status_code == 204, revoked.text
    page = client.get(sent)
    assert page.status_code == 403 and "withdrawn" in page.text
    # The reply form behind the old link is closed as well.
    assert client.post(f"{sent}/reply", data={"body": "hi"}).status_code == 403
    clock.advance(timedelta(seconds=1))
    assert client.get(_link(runtime, case_id, customer_id)).status_code == 200
    timeline = client.get(
        f"/api/v1/cases/{case_id}/timeline", headers=people["agent"].headers
    ).json()["items"]
    assert timeline[-1]["body"] == "forwarded to the wrong person"


def test_a_link_made_before_links_carried_their_issue_time_is_withdrawn_too(
    client: TestClient, runtime: Runtime, people: dict[str, Persona]
) -> None:
    case_id, customer_id = _case(client, runtime)
    secret = runtime.settings.resolved_secret_key()
    old = make_link_token(secret, case_id, customer_id, runtime.clock.now() + timedelta(days=9))
    headers = people["agent"].headers
    client.post(f"/api/v1/cases/{case_id}/customer-links/revoke", json={}, headers=headers)
    assert client.get(f"/my/case/{old}").status_code == 403


def test_someone_who_may_not_change_the_case_cannot_withdraw_its_links(
    client: TestClient, runtime: Runtime, people: dict[str, Persona]
) -> None:
    assert (
        client.post(
            "/api/v1/cases/999/customer-links/revoke", json={}, headers=people["agent"].headers
        ).status_code
        == 404
    )
    assert client.post("/api/v1/cases/1/customer-links/revoke", json={}).status_code == 401


def test_a_case_closed_longer_than_the_desk_says_no_longer_opens(
    client: TestClient, runtime: Runtime, people: dict[str, Persona], clock: ManualClock
) -> None:
    case_id, customer_id = _case(client, runtime)
    link = _link(runtime, case_id, customer_id)
    headers = people["admin"].headers
    closed = client.patch(f"/api/v1/cases/{case_id}", json={"status": "closed"}, headers=headers)
    assert closed.status_code == 200, closed.text
    days = runtime.desk.customer_links.closed_days
    clock.advance(timedelta(days=days) - timedelta(minutes=1))
    assert client.get(link).status_code == 200
    clock.advance(timedelta(minutes=1))
    page = client.get(link)
    assert page.status_code == 403 and "closed a while ago" in page.text
