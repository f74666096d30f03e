"""The new-desk walk's returns desk (docs/examples/returns-desk): order facts, a reusable block,
a confirmation, the built-in order connector and two case limits, on the real engine (both
databases) and in the pure simulation, which must count the limits alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers every command)
from sopdesk.cli.app import app
from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario, run_scenario
from sopdesk.desktests.runner import run_on
from sopdesk.domain.desk import Desk
from sopdesk.store.db import Database

DESK = Path(__file__).parent.parent.parent / "docs" / "examples" / "returns-desk"


@pytest.fixture(scope="module")
def desk() -> Desk:
    return load_desk(DESK)


def test_sopdesk_test_runs_the_returns_desk_green(tmp_path: Path) -> None:
    copy = tmp_path / "returns-desk"  # a copy: the run is recorded in the desk's .sopdesk/
    shutil.copytree(DESK, copy)
    result = CliRunner().invoke(app, ["test", str(copy)])
    assert result.exit_code == 0, result.output
    assert "7 passed, 0 failed" in result.output


def test_the_block_is_in_both_playbooks(desk: Desk) -> None:
    for slug in ("return", "exchange"):
        blocks = {s.id: s.block for s in desk.playbooks[slug].steps if s.block}
        assert blocks == dict.fromkeys(
            ("verify-ask", "verify-check", "verify-ok"), "verify-identity"
        )


@pytest.mark.parametrize(
    ("scenario", "line"),
    [
        ("return/second-refund.yaml", "case limit no_second_refund: 1 of 1, reached (case 1)"),
        ("return/refund-long-ago.yaml", "case limit no_second_refund: 0 of 1, not reached"),
        (
            "exchange/second-on-order.yaml",
            "case limit one_exchange_per_order: 1 of 1, reached (case 1)",
        ),
        ("exchange/other-order.yaml", "case limit one_exchange_per_order: 0 of 1, not reached"),
    ],
)
def test_the_counted_cases_are_named_on_the_timeline_alike(
    desk: Desk, db: Database, scenario: str, line: str, tmp_path: Path
) -> None:
    parsed = load_scenario(DESK / "scenarios" / scenario)
    engine = run_on(db, desk, parsed, tmp_path / "blobs")  # db: SQLite and PostgreSQL
    assert engine.ok, engine.unmet
    assert any(e.what == "step" and line in e.text for e in engine.entries), [
        e.text for e in engine.entries
    ]
    pure = run_scenario(desk, parsed)
    assert pure.ok, pure.unmet
    assert any(line in e.text for e in pure.entries), [e.text for e in pure.entries]
