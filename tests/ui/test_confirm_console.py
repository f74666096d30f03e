"""The playbook panel records the customer's yes or no for a `confirm` step (after an unclear
reply, or a phone call): the buttons show only while a confirm waits, and the answer moves the
run on to the orders connector."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sopdesk.domain.principal import Principal
from sopdesk.engine.playbooks import get_run, list_case_runs
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker
from sopdesk.runtime import Runtime
from tests.ui.conftest import csrf_of

SYSTEM = Principal.system()


def test_the_agent_records_the_customers_yes_in_the_panel(
    runtime: Runtime,
    signed_in: Callable[[str], TestClient],
    make_case: Callable[..., int],
) -> None:
    case_id = make_case(subject="Please cancel my order", category="cancel-order")
    (run,) = list_case_runs(runtime.db, SYSTEM, case_id)
    senior = signed_in("senior")
    page = senior.get(f"/cases/{case_id}").text
    assert "The customer said yes" in page and "The customer said no" in page
    acted = senior.post(
        f"/runs/{run.id}/act",
        data={
            "action": "confirm",
            "answer": "yes",
            "text": "Yes (phone)",
            "csrf_token": csrf_of(page),
        },
    )
    assert acted.status_code == 303, acted.text
    Worker(WorkContext(runtime.db, runtime.clock, runtime.desk), HANDLERS).tick()
    state = get_run(runtime.db, SYSTEM, run.id)
    assert (
        state.variables["confirmed"] == "yes"
        and state.variables["customer_answer"] == "Yes (phone)"
    )
    # The case names no order, so sopdesk's own orders connector refuses, saying why.
    assert state.answers["cancel"]["reason"] == "the case has no order to act on"
    assert state.outcome == "not-cancelled"
    assert "The customer said yes" not in senior.get(f"/cases/{case_id}").text
