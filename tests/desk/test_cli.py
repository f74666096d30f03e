"""`sopdesk check` and `sopdesk init` as a user runs them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from sopdesk.cli import commands  # noqa: F401  (registers the commands)
from sopdesk.cli.app import app

runner = CliRunner()


def test_check_the_starter_desk_prints_a_summary(starter: Path) -> None:
    result = runner.invoke(app, ["check", str(starter)])
    assert result.exit_code == 0, result.output
    assert "OK, desk 'Starter desk'" in result.output
    assert "72 categories" in result.output and "7 playbooks" in result.output


def test_check_a_broken_desk_prints_file_line_col(make_desk: Callable[[str], Path]) -> None:
    result = runner.invoke(app, ["check", str(make_desk("undefined-macro"))])
    assert result.exit_code == 1
    assert "playbooks/flow.yaml:5:33: macro 'goodbye' is not defined (known: hello)" in (
        result.output
    )
    assert "1 problem in" in result.output
    assert "Traceback" not in result.output


def test_init_copies_the_pack_and_the_copy_checks(tmp_path: Path) -> None:
    target = tmp_path / "desk"
    result = runner.invoke(app, ["init", str(target), "--pack", "starter"])
    assert result.exit_code == 0, result.output
    assert (target / "playbooks" / "missing-item.yaml").is_file()
    assert not (target / "__init__.py").exists()
    assert runner.invoke(app, ["check", str(target)]).exit_code == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not empty" in " ".join(result.output.split())
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "desk.yaml").exists()


def test_init_into_an_empty_folder_works(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    assert (target / "desk.yaml").is_file()


def test_init_an_unknown_pack_is_a_red_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--pack", "nope"])
    assert result.exit_code == 1
    assert "there is no pack 'nope'" in " ".join(result.output.split())
    assert not (tmp_path / "x").exists()
