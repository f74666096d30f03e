"""The starter's cancel-order playbook (confirm, then the built-in orders connector) in its
scenarios, on the pure simulation and on the engine; a wrong expectation is reported."""

from __future__ import annotations

import pytest

from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario, run_scenario
from sopdesk.desktests.runner import run_engine_scenario
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.scenario import Scenario
from sopdesk.packs import pack_path

STARTER = pack_path("starter")
FOLDER = STARTER / "scenarios" / "cancel-order"
NAMES = sorted(p.name for p in FOLDER.glob("*.yaml"))


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(STARTER)


@pytest.mark.parametrize("name", NAMES)
def test_the_pure_simulation_agrees_with_the_engine(desk: Desk, name: str) -> None:
    scenario = load_scenario(FOLDER / name)
    pure, engine = run_scenario(desk, scenario), run_engine_scenario(desk, scenario)
    assert pure.unmet == [] and engine.unmet == []
    assert pure.run.outcome == engine.run.outcome
    assert pure.run.visited == engine.run.visited
    assert pure.run.answers == engine.run.answers


def _with(scenario: Scenario, **changes: object) -> Scenario:
    return scenario.model_validate({**scenario.model_dump(exclude_unset=True), **changes})


def test_wrong_expectations_on_calls_and_the_order_are_named(desk: Desk) -> None:
    scenario = _with(
        load_scenario(FOLDER / "confirmed.yaml"),
        expect=[
            {"order": {"status": "pending"}},
            {"called": {"action": "orders.cancel", "outcome": "refused"}},
        ],
    )
    for result in (run_scenario(desk, scenario), run_engine_scenario(desk, scenario)):
        assert len(result.unmet) == 2
        assert "order: status is 'cancelled', not 'pending'" in result.unmet[0]
        assert result.unmet[1].startswith("called: no call with action orders.cancel")


def test_a_stated_answer_wins_over_the_built_in_connector(desk: Desk) -> None:
    scenario = _with(
        load_scenario(FOLDER / "confirmed.yaml"),
        answers={"orders.cancel": [{"outcome": "refused", "reason": "held by fraud review"}]},
        expect=[{"outcome": "not-cancelled"}, {"order": {"status": "pending"}}],
    )
    engine = run_engine_scenario(desk, scenario)
    assert run_scenario(desk, scenario).unmet == [] and engine.unmet == []
    [mail] = [m for m in engine.world["mails"] if m["macro"] == "order-not-cancelled"]
    assert "we could not cancel order R-200: held by fraud review." in mail["body"]


def test_the_customer_answer_is_recorded_verbatim(desk: Desk) -> None:
    engine = run_engine_scenario(desk, load_scenario(FOLDER / "confirmed.yaml"))
    assert engine.run.variables["customer_answer"] == "Yes, please cancel it."
    assert engine.run.variables["confirmed"] == "yes"
