"""Issue 12 item 6: the shop's button on its task makes the run's choice (seed 000's four
circumstances), as an agent's choice would, on real SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sopdesk.engine.partner_tasks import AnswerTask, list_partner_tasks
from sopdesk.engine.playbooks import list_case_runs
from sopdesk.errors import InvalidInput
from sopdesk.runtime import Runtime
from tests.engine.test_partner_tasks import SYSTEM, answer, make_shop, run_step
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]


def test_the_tasks_options_are_seed_000s_four_circumstances(runtime: Runtime) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    assert [key for key, _ in task.options] == [
        "missed-in-sorting",
        "shipped-to-another-customer",
        "missed-during-break",
        "unknown",
    ]


def test_a_found_button_chooses_and_the_shop_then_sends_tracking(runtime: Runtime) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    found = AnswerTask(answer="It was set aside in sorting", found="missed-in-sorting")
    answer(runtime, shop, task.id, found)
    (run,) = list_case_runs(runtime.db, SYSTEM, shop.case_id)
    assert run.step == "ship-promptly"
    chosen = [h for h in run.history if h["step"] == "what-happened"]
    assert "chose missed-in-sorting (Northside Breaks staff" in chosen[-1]["what"]
    ship, done = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    assert (ship.step, ship.status, ship.asks_tracking) == ("ship-promptly", "open", True)
    assert done.status == "answered"
    answer(runtime, shop, ship.id, AnswerTask(answer="Shipped", tracking_number="1Z999"))
    (run,) = list_case_runs(runtime.db, SYSTEM, shop.case_id)
    assert (run.status, run.outcome) == ("done", "item-shipped")


def test_unknown_waits_on_the_agents_resolution(runtime: Runtime) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    answer(runtime, shop, task.id, AnswerTask(answer="Cannot find it", found="unknown"))
    assert run_step(runtime, shop.case_id) == "offer-resolution"


def test_an_option_the_task_does_not_offer_is_refused_and_changes_nothing(
    runtime: Runtime,
) -> None:
    shop = make_shop(runtime, "northside", "Northside Breaks")
    (task,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    with pytest.raises(InvalidInput) as refused:
        answer(runtime, shop, task.id, AnswerTask(answer="x", found="refund"))
    assert refused.value.errors[0]["loc"][-1] == "found"
    assert run_step(runtime, shop.case_id) == "ask-shop"
    (still,) = list_partner_tasks(runtime.db, runtime.clock, shop.principal)
    assert still.status == "open"
