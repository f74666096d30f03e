"""Typed recorded values (issue 17 item 6): validated when entered, read back typed, dates
subtract to days, and a choice the conditions leave one option of is taken with its reason.
Run on the pure simulation and on the real engine (sopdesk test), on a starter desk copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sopdesk.desk import check_desk, load_desk
from sopdesk.desk.scenarios import load_scenario, run_scenario
from sopdesk.desktests.runner import run_engine_scenario
from sopdesk.domain.desk import Desk
from sopdesk.packs import pack_path

FIXTURE = Path(__file__).parent.parent / "fixtures" / "return_window"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("desk") / "desk"
    shutil.copytree(pack_path("starter"), folder)
    shutil.copy(FIXTURE / "return-window.yaml", folder / "playbooks" / "return-window.yaml")
    return load_desk(folder)


@pytest.mark.parametrize("scenario", ["in-time.yaml", "too-late.yaml"])
@pytest.mark.parametrize("runner", [run_scenario, run_engine_scenario])
def test_the_return_window_is_decided_from_typed_values(
    desk: Desk, scenario: str, runner: object
) -> None:
    result = runner(desk, load_scenario(FIXTURE / scenario))  # type: ignore[operator]
    assert result.ok, result.unmet + result.problems
    texts = [e.text for e in result.entries]
    assert any("by itself, the only option that applies" in t for t in texts), texts


def test_a_wrong_value_is_refused_with_what_is_expected(desk: Desk) -> None:
    result = run_engine_scenario(desk, load_scenario(FIXTURE / "in-time.yaml"))
    assert result.world["refused"] == [
        "tick by agent: 'received_on' must be a date like 2026-11-23 or 23.11.2026, not 'last week'"
    ]


def test_a_wrong_record_type_is_a_check_error(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), folder)
    text = (FIXTURE / "return-window.yaml").read_text().replace("date}", "weekday}")
    (folder / "playbooks" / "return-window.yaml").write_text(text)
    problems = [str(p) for p in check_desk(folder)]
    wrong = "record.received_on: Input should be 'text', 'number', 'money', 'date' or 'yes/no'"
    assert any(p.startswith("playbooks/return-window.yaml:9:") and wrong in p for p in problems)
