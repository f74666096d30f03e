"""Trend callouts with a ManualClock and the real worker, on SQLite and PostgreSQL: a promo
spike is called out hourly and daily with the word that explains it, posted to team chat (a
real HTTP receiver), shown in the console and the API; a quiet category is not; a second firing
of the same window writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sopdesk.engine.callouts import (
    DAILY,
    HOURLY,
    call_out_window,
    schedule_trend_jobs,
    window_ending,
)
from sopdesk.runtime import Runtime
from sopdesk.store.models import Callout, OutboxMessage, Timer
from tests.channels.test_delivery import Received, http_receiver, worker_for
from tests.web.conftest import Persona

__all__ = ["http_receiver"]  # the fixture, used by name

TODAY = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 14:00 in Berlin
QUIET = [
    "I forgot to enter my promo code at checkout",
    "Can you apply my discount after purchase?",
    "The sale code was not applied before I paid",
]

SPIKE = [
    ("Promo code broken", "Your code WELCOME10 is not working"),
    ("Discount not applied", "I typed WELCOME10 and nothing happened"),
    ("Newsletter offer", "The WELCOME10 offer from your email is refused"),
    ("Checkout problem", "It says WELCOME10 is invalid"),
]


def _case(client: TestClient, admin: Persona, category: str, subject: str, body: str) -> int:
    made = client.post(
        "/api/v1/cases",
        json={
            "customer_email": "c@example.com",
            "subject": subject,
            "body": body,
            "category": category,
        },
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _history(client: TestClient, runtime: Runtime, admin: Persona) -> None:
    """Fourteen quiet days: one promo case and one order-status case at 13:30 each day."""
    for day in range(14, 0, -1):
        runtime.clock.set(TODAY - timedelta(days=day) + timedelta(minutes=30))  # type: ignore[attr-defined]
        _case(client, admin, "honor-promo", "Promo", QUIET[day % 3])
        _case(client, admin, "order-status", "Where is it", "Where is my order?")


def _callouts(runtime: Runtime) -> list[Callout]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(Callout).order_by(Callout.id)))


def _chat(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.db.transaction(write=False) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "chat.post"))
        return [r for r in rows if str(r.idempotency_key).startswith("callout:")]


def _timers(runtime: Runtime) -> dict[str, list[datetime]]:
    with runtime.db.transaction(write=False) as session:
        rows = session.scalars(select(Timer).where(Timer.kind.in_([HOURLY, DAILY])))
        found: dict[str, list[datetime]] = {}
        for row in rows:
            found.setdefault(row.kind, []).append(row.due_at)
        return found


def test_a_spike_is_called_out_once_with_its_words_and_cases(
    client: TestClient,
    runtime: Runtime,
    people: dict[str, Persona],
    http_receiver: tuple[Received, str],
) -> None:
    received, url = http_receiver
    admin = people["admin"]
    _history(client, runtime, admin)
    clock: Any = runtime.clock
    clock.set(TODAY)
    assert sorted(schedule_trend_jobs(runtime.db, clock, runtime.desk)) == [DAILY, HOURLY]
    assert schedule_trend_jobs(runtime.db, clock, runtime.desk) == []  # already set
    assert _timers(runtime)[HOURLY] == [TODAY + timedelta(hours=1)]
    assert _timers(runtime)[DAILY] == [datetime(2026, 11, 23, 23, 0, tzinfo=UTC)]  # Berlin 0:00
    spike = []
    for i in range(12):
        clock.set(TODAY + timedelta(minutes=2 + 4 * i))
        subject, body = SPIKE[i % len(SPIKE)]
        spike.append(_case(client, admin, "honor-promo", subject, body))
        if i == 0:  # order-status stays as busy as usual
            _case(client, admin, "order-status", "Where is it", "Where is my order?")
    worker = worker_for(runtime, chat_webhook_url=f"{url}/slack")

    clock.set(TODAY + timedelta(minutes=59))
    worker.tick()
    assert _callouts(runtime) == []  # the hour has not ended

    clock.set(TODAY + timedelta(hours=1, seconds=5))
    worker.tick()
    [hourly] = _callouts(runtime)
    assert (hourly.window, hourly.category, hourly.count) == ("hour", "honor-promo", 12)
    assert hourly.window_start == TODAY and hourly.case_ids == spike
    assert hourly.terms[0]["term"] == "welcome10" and hourly.terms[0]["cases"] == 12
    assert hourly.text.startswith("Honor Promo (not applied before checkout): 12 cases between")
    assert "vs 1 ± 0 usual; 12 of 12 mention 'welcome10'" in hourly.text
    # the next hour is set
    assert _timers(runtime)[HOURLY] == [TODAY + timedelta(hours=2)]
    worker.tick()  # delivers the chat post
    [post] = _chat(runtime)
    assert post.status == "delivered" and post.payload["channel"] == "#trends"
    assert any(b"welcome10" in body for _, _, body, _ in received.posts)

    # The same window again (a crashed worker, a second chain): nothing new, no error.
    with runtime.db.transaction() as session:
        again = call_out_window(
            session,
            runtime.desk,
            window_ending(HOURLY, TODAY + timedelta(hours=1), runtime.desk),
            clock.now(),
        )
    assert again == [] and len(_callouts(runtime)) == 1 and len(_chat(runtime)) == 1

    # The day ends at Berlin midnight: the daily job calls the same spike out for the day.
    clock.set(datetime(2026, 11, 23, 23, 0, 1, tzinfo=UTC))
    worker.tick()
    worker.tick()
    daily = [c for c in _callouts(runtime) if c.window == "day"]
    assert [(c.category, c.count) for c in daily] == [("honor-promo", 12)]
    assert "on Mon 23 Nov" in daily[0].text
    assert _timers(runtime)[DAILY] == [datetime(2026, 11, 24, 23, 0, tzinfo=UTC)]
    assert {c.category for c in _callouts(runtime)} == {"honor-promo"}

    # The console and the API show it, with links to its cases.
    page = client.get("/api/v1/callouts", headers=admin.headers).json()["items"]
    assert [c["window"] for c in page] == ["day", "hour"]
    assert page[1]["case_ids"] == spike
    refused = client.get("/api/v1/callouts", headers=people["agent"].headers)
    assert refused.status_code == 403


def test_a_worker_down_for_days_resumes_at_the_latest_window(
    client: TestClient, runtime: Runtime, people: dict[str, Persona]
) -> None:
    clock: Any = runtime.clock
    clock.set(TODAY)
    schedule_trend_jobs(runtime.db, clock, runtime.desk)
    worker = worker_for(runtime)
    clock.set(TODAY + timedelta(days=3, minutes=30))
    worker.tick()
    # one firing each, then the window that ended last: no walk through 72 hours
    assert _timers(runtime)[HOURLY] == [TODAY + timedelta(days=3)]
    worker.tick()
    assert _timers(runtime)[HOURLY] == [TODAY + timedelta(days=3, hours=1)]
