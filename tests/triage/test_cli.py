"""`sopdesk triage train` and `sopdesk triage eval` through the real command line."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401
from sopdesk.cli.app import app
from sopdesk.packs import pack_path

runner = CliRunner()


def test_train_then_eval_the_starter_desk(tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)
    trained = runner.invoke(app, ["triage", "train", "--desk", str(desk)])
    assert trained.exit_code == 0, trained.output
    assert "0 from cases" in trained.output and list((desk / ".models").glob("triage-*.joblib"))
    result = runner.invoke(
        app, ["triage", "eval", str(desk / "eval" / "categories.yaml"), "--desk", str(desk)]
    )
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "order-status" in result.output
    signals = runner.invoke(
        app, ["triage", "eval", str(desk / "eval" / "signals.yaml"), "--desk", str(desk)]
    )
    assert "signals: caught 48/48" in signals.output


def test_a_broken_eval_file_is_one_red_line(tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    shutil.copytree(pack_path("starter"), desk)
    bad = tmp_path / "bad.yaml"
    bad.write_text("messages:\n  - {text: hi, colour: blue}\n", encoding="utf-8")
    result = runner.invoke(app, ["triage", "eval", str(bad), "--desk", str(desk)])
    assert result.exit_code == 1
    assert "error:" in result.output and "colour" in result.output
