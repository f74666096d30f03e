"""A shop is reminded of its overdue task by a durable timer: once, by mail on the case's
timeline, and not at all when it answered in time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sopdesk.engine.jobs import WorkContext
from sopdesk.engine.partner_tasks import AnswerTask, list_partner_tasks
from sopdesk.engine.worker import HANDLERS, Worker
from sopdesk.handlers import import_handlers
from sopdesk.runtime import Runtime
from sopdesk.store.models import CaseEvent, OutboxMessage, Timer
from tests.engine.test_partner_tasks import answer, make_shop
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]


def _reminders(runtime: Runtime, case_id: int) -> list[CaseEvent]:
    with runtime.db.transaction(write=False) as session:
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "message_out")
        )
        return [e for e in events if (e.data or {}).get("reminder")]


def _tick(runtime: Runtime) -> None:
    import_handlers()
    Worker(WorkContext(runtime.db, runtime.clock, runtime.desk, runtime.settings), HANDLERS).tick()


def test_an_overdue_task_reminds_the_shop_once(runtime: Runtime) -> None:
    shop = make_shop(runtime, "late-shop", "Late Shop")
    with runtime.db.transaction(write=False) as session:
        kinds = set(session.scalars(select(Timer.kind).where(Timer.case_id == shop.case_id)))
    assert "partner.reminder" in kinds
    _tick(runtime)
    assert _reminders(runtime, shop.case_id) == []  # not due yet
    runtime.clock.advance(timedelta(days=5))  # past the task's 2 business days
    _tick(runtime)
    [reminder] = _reminders(runtime, shop.case_id)
    assert reminder.data["to"] == "orders@late-shop.example"
    assert reminder.data["subject"].startswith("Reminder: Verify the item")
    assert "overdue" in (reminder.body or "")
    with runtime.db.transaction(write=False) as session:
        keys = list(session.scalars(select(OutboxMessage.idempotency_key)))
    assert keys.count(f"partner-reminder:{reminder.data['task_event_id']}") == 1
    runtime.clock.advance(timedelta(days=1))
    _tick(runtime)
    assert len(_reminders(runtime, shop.case_id)) == 1


def test_a_task_answered_in_time_sends_no_reminder(runtime: Runtime) -> None:
    shop = make_shop(runtime, "quick-shop", "Quick Shop")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    answer(runtime, shop, task.id, AnswerTask(answer="Verified: missed in sorting."))
    runtime.clock.advance(timedelta(days=5))
    _tick(runtime)
    assert _reminders(runtime, shop.case_id) == []
