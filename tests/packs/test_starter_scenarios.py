"""Every scenario of the starter desk passes on the real engine (sopdesk/desktests), and
together they visit every playbook step.

The coverage test prints steps covered per playbook and fails below 100%.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario, scenario_files
from sopdesk.desktests.runner import run_engine_scenario as run_scenario
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.simulation import branch_coverage, coverage
from sopdesk.packs import pack_path

STARTER = pack_path("starter")
FILES = scenario_files(STARTER)


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(STARTER)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(STARTER)) for p in FILES])
def test_scenario_meets_every_expectation(desk: Desk, path: Path) -> None:
    scenario = load_scenario(path)
    result = run_scenario(desk, scenario)
    assert result.unmet == []
    if scenario.playbook is not None:  # a routing-only scenario starts no run
        assert result.run.status.is_over, f"the run still {result.run.status.value}"


def test_every_step_of_every_playbook_is_covered(desk: Desk) -> None:
    results = defaultdict(list)
    for path in FILES:
        scenario = load_scenario(path)
        results[scenario.playbook].append(run_scenario(desk, scenario))
    report, gaps = [], []
    for slug, playbook in sorted(desk.playbooks.items()):
        share, missing = coverage(playbook, results.get(slug, []))
        covered = len(playbook.steps) - len(missing)
        report.append(f"{slug}: {covered}/{len(playbook.steps)} steps ({share:.0%})")
        if missing:
            gaps.append(f"{slug} never reaches: {', '.join(missing)}")
    print("\nstep coverage by scenario:\n  " + "\n  ".join(report))
    assert gaps == []


def test_the_seed_suites_are_there() -> None:
    names = {str(p.relative_to(STARTER / "scenarios")) for p in FILES}
    for wanted in (
        "missing-item/missed-in-sorting.yaml",
        "missing-item/missed-during-break.yaml",
        "missing-item/returned-within-5-days.yaml",
        "missing-item/not-returned-credit.yaml",
        "missing-item/not-returned-refund.yaml",
        "missing-item/not-returned-replace.yaml",
        "missing-item/unknown.yaml",
        "proof-of-purchase-hold/approved.yaml",
        "proof-of-purchase-hold/rejected.yaml",
        "proof-of-purchase-hold/no-reply.yaml",
        "lost-stolen-package/guided-call.yaml",
        "critical-issue/platform.yaml",
    ):
        assert wanted in names


def test_every_branch_of_every_playbook_is_taken_and_one_scenario_is_not_enough(
    desk: Desk,
) -> None:
    results = defaultdict(list)
    for path in FILES:
        scenario = load_scenario(path)
        results[scenario.playbook].append(run_scenario(desk, scenario))
    gaps = {}
    for slug, playbook in desk.playbooks.items():
        share, missing = branch_coverage(playbook, results.get(slug, []))
        if missing:
            gaps[slug] = missing
    assert gaps == {}
    one = results["missing-item"][:1]
    share, missing = branch_coverage(desk.playbooks["missing-item"], one)
    assert 0 < share < 1 and missing
