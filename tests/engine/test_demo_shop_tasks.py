"""Issue 12: after `make run` each demo shop user finds open tasks in the partner portal (seed
000's missing-item cases waiting on the shop), on SQLite and PostgreSQL; loading twice adds none."""

from __future__ import annotations

from sopdesk.demo.load import DEMO_PASSWORD, load_demo
from sopdesk.demo.shop_tasks import TASKS_PER_SHOP
from sopdesk.demo.texts import PARTNERS
from sopdesk.engine.partner_tasks import list_partner_tasks
from sopdesk.engine.partner_users import authenticate_partner
from sopdesk.runtime import Runtime
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]


def test_every_demo_shop_has_open_tasks_to_answer(runtime: Runtime) -> None:
    first = load_demo(runtime.db, runtime.clock, runtime.desk, customers=60, cases=10)
    assert first.shop_tasks == TASKS_PER_SHOP * len(PARTNERS)
    for slug, name, *_ in PARTNERS:
        _, shop = authenticate_partner(runtime.db, f"shop@{slug}.example", DEMO_PASSWORD)
        tasks = list_partner_tasks(runtime.db, runtime.clock, shop)
        waiting = [t for t in tasks if t.status == "open" and t.step == "ask-shop"]
        assert len(waiting) >= TASKS_PER_SHOP, name
        assert all(t.order_ref and t.items and t.request_text for t in waiting)
        assert not any(t.overdue for t in waiting)
        assert [k for k, _ in waiting[0].options][:1] == ["missed-in-sorting"]
    again = load_demo(runtime.db, runtime.clock, runtime.desk, customers=60, cases=10)
    assert again.shop_tasks == 0
