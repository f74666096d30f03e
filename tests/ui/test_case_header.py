"""The case page header and the queue show the SLA clocks, linked accounts, offenses and the
order as the database holds them; escalation goes through the escalation engine pair.

Time moves by the injected clock; warnings and breaches fire from the real worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.domain.cases import Priority
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.customers import CreateCustomer, check_create_customer, do_create_customer
from sopdesk.engine.orders import UpsertOrders, check_upsert_orders, do_upsert_orders
from sopdesk.engine.worker import WorkContext, Worker
from sopdesk.runtime import Runtime
from sopdesk.store.models import Case, CaseEvent
from tests.ui.conftest import csrf_of

SYSTEM = Principal.system()


def _case(runtime: Runtime, email: str, subject: str, **fields: object) -> int:
    command = CreateCase.model_validate(
        {"customer_email": email, "subject": subject, "body": "Please help.", **fields}
    )
    plan = check_create_case(runtime.db, SYSTEM, runtime.desk, command)
    return do_create_case(runtime.db, runtime.clock, runtime.desk, SYSTEM, command, plan).id


def _clock(runtime: Runtime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def _badge(html: str, metric: str) -> str:
    found = re.search(
        rf'<span class="badge sla ([^"]+)" data-sla="{metric}"[^>]*>(.*?)</span>', html
    )
    assert found, f"no {metric} badge on the page"
    return f"{found.group(1)} | {re.sub(r'<[^>]+>', '', found.group(2))}"


def test_a_critical_case_shows_its_first_response_clock_until_the_breach(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id = _case(runtime, "casey@example.com", "Site down", priority=Priority.CRITICAL)
    admin = signed_in("admin")
    badge = _badge(admin.get(f"/cases/{case_id}").text, "first_response")
    assert badge == "sla-ok sla-running | first response 1 h left"
    worker = Worker(WorkContext(runtime.db, runtime.clock, runtime.desk))
    _clock(runtime).advance(timedelta(minutes=50))
    worker.tick()  # the warning 15 minutes before the target
    badge = _badge(admin.get(f"/cases/{case_id}").text, "first_response")
    assert badge == "sla-warning sla-running | first response 10 min left"
    _clock(runtime).advance(timedelta(minutes=20))
    worker.tick()
    badge = _badge(admin.get(f"/cases/{case_id}").text, "first_response")
    assert badge == "sla-breached sla-running | first response overdue by 10 min"


def test_a_paused_clock_shows_the_time_it_has_left(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id = _case(runtime, "casey@example.com", "Where is it?")
    admin = signed_in("admin")
    token = csrf_of(admin.get(f"/cases/{case_id}").text)
    _clock(runtime).advance(timedelta(hours=3))
    moved = admin.post(
        f"/cases/{case_id}/fields",
        data={"status": "waiting_customer", "csrf_token": token},
    )
    assert moved.status_code == 303
    _clock(runtime).advance(timedelta(hours=30))  # paused: the time does not count
    badge = _badge(admin.get(f"/cases/{case_id}").text, "first_response")
    assert badge == "sla-ok sla-paused | first response paused · 21 h left"


def test_linked_accounts_with_their_reason_offenses_and_the_order(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    for email in ("robin@example.com", "robin.other@example.net"):
        command = CreateCustomer(email=email, name="Robin Roe", phone="+1 415 555 0100")
        check_create_customer(runtime.db, SYSTEM, command, None)
        do_create_customer(runtime.db, runtime.clock.now(), command, None)
    orders = UpsertOrders.model_validate(
        {
            "orders": [
                {
                    "external_ref": "ORD-77",
                    "customer_email": "robin.other@example.net",
                    "placed_at": "2026-01-02T10:00:00+00:00",
                    "items": [{"sku": "A-1", "name": "Booster box", "value": "89.00"}],
                    "shipments": [{"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}],
                }
            ]
        }
    )
    do_upsert_orders(
        runtime.db, runtime.clock.now(), orders, check_upsert_orders(runtime.db, SYSTEM, orders)
    )
    _case(runtime, "robin@example.com", "Never arrived", category="dnr")
    case_id = _case(
        runtime, "robin.other@example.net", "Never came", category="dnr", order_ref="ORD-77"
    )
    page = signed_in("admin").get(f"/cases/{case_id}").text
    linked = re.search(r"<dd data-linked>(.*?)</dd>", page, re.S)
    assert linked and "robin@example.com" in linked.group(1)
    assert "phone" in linked.group(1)  # the reason the two accounts are one person
    offenses = re.search(r"<dd data-offenses>(.*?)</dd>", page, re.S)
    assert offenses and "dnr: 2</span>" in offenses.group(1)
    assert "1 \u00d7 Booster box (89.00)" in page
    shipments = re.search(r"<dd data-shipments>(.*?)</dd>", page, re.S)
    assert shipments and "UPS 1Z999AA10123456784" in shipments.group(1)


def test_the_queue_filters_by_sla_risk_and_shows_time_left(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    late = _case(runtime, "a@example.com", "Critical late", priority=Priority.CRITICAL)
    _clock(runtime).advance(timedelta(minutes=90))
    fresh = _case(runtime, "b@example.com", "Critical fresh", priority=Priority.CRITICAL)
    relaxed = _case(runtime, "c@example.com", "Normal one")
    admin = signed_in("admin")
    breached = admin.get("/?view=all&risk=breached").text
    due_soon = admin.get("/?view=all&risk=soon").text
    anything = admin.get("/?view=all").text
    assert f'href="/cases/{late}"' in breached and f'href="/cases/{fresh}"' not in breached
    assert f'href="/cases/{fresh}"' in due_soon and f'href="/cases/{late}"' not in due_soon
    assert f'href="/cases/{relaxed}"' not in due_soon + breached
    assert f'href="/cases/{relaxed}"' in anything
    assert 'data-at-risk="1"' in anything
    assert ">in 1 h</time>" in anything and ">overdue 30 min</time>" in anything
    assert ">in 1 d</time>" in anything  # 24 hours for a normal first response


def test_escalate_and_de_escalate_with_a_reason_on_the_timeline(
    runtime: Runtime, signed_in: Callable[[str], TestClient]
) -> None:
    case_id = _case(runtime, "casey@example.com", "A question about my parcel")
    senior = signed_in("senior")
    token = csrf_of(senior.get(f"/cases/{case_id}").text)
    refused = senior.post(
        f"/cases/{case_id}/escalate", data={"level": "", "reason": "bank", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "choose the level the case moves to" in refused.text
    assert ">bank</textarea>" in refused.text
    up = senior.post(
        f"/cases/{case_id}/escalate",
        data={"level": "2", "reason": "chargeback with the bank", "csrf_token": token},
    )
    assert up.status_code == 303 and up.headers["location"].startswith(f"/cases/{case_id}")
    page = senior.get(f"/cases/{case_id}").text
    assert "escalated from level 1: chargeback with the bank" in page
    assert "level 1 → 2" in page
    down = senior.post(
        f"/cases/{case_id}/escalate",
        data={"level": "1", "reason": "bank withdrew it", "csrf_token": token},
    )
    assert down.status_code == 303
    with runtime.db.transaction(write=False) as session:
        assert session.get(Case, case_id).level == 1  # type: ignore[union-attr]
        bodies = session.scalars(
            select(CaseEvent.body).where(CaseEvent.case_id == case_id, CaseEvent.kind == "routing")
        ).all()
    assert any("de-escalated from level 2: bank withdrew it" in (b or "") for b in bodies)
    out_of_sight = senior.post(
        f"/cases/{case_id}/escalate",
        data={"level": "3", "reason": "legal threat", "csrf_token": token},
    )
    assert out_of_sight.status_code == 303 and out_of_sight.headers["location"].startswith("/?")


def test_an_agent_sets_and_corrects_the_category_and_a_signal_from_the_case_page(
    signed_in: Callable[[str], TestClient], make_case: Callable[..., int]
) -> None:
    case_id = make_case(subject="Where is my parcel")
    lead = signed_in("senior")
    page = lead.get(f"/cases/{case_id}").text
    assert 'name="category"' in page and 'name="signal" value="chargeback"' in page
    token = csrf_of(page)
    form = {"category": "order-status", "signals_shown": "1", "csrf_token": token}
    assert lead.post(f"/cases/{case_id}/fields", data=form).status_code == 303
    page = lead.get(f"/cases/{case_id}").text
    assert "category &#39;order-status&#39; is owned by level 1" in page or "order-status" in page
    flagged = {**form, "signal": "chargeback", "reason": "bank dispute letter"}
    moved = lead.post(f"/cases/{case_id}/fields", data=flagged)
    # Level 4 now: out of a level-2 agent's sight, so back to the queue with a notice.
    assert moved.status_code == 303 and moved.headers["location"].endswith(f"/?moved={case_id}")
    page = signed_in("admin").get(f"/cases/{case_id}").text
    assert "signal &#39;chargeback&#39;" in page
    assert "Chargebacks" in page  # re-routed to level 4's category
