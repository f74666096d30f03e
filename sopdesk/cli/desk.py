"""`sopdesk check` and `sopdesk init`: validate a desk folder, or start one from a pack.

Problems print as `file:line:col: message`, one a line, so editors can jump to them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from sopdesk.cli.app import app, err, friendly, out
from sopdesk.desk import check_desk
from sopdesk.desk.load import read_desk
from sopdesk.desk.test_results import changed_playbooks
from sopdesk.errors import Conflict, InvalidInput
from sopdesk.packs import pack_path


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@app.command("check")
@friendly
def check(
    desk: Path = typer.Argument(..., help="The desk folder to check."),
) -> None:
    """Check a desk folder: print every problem as file:line:col: message, or a summary.

    Also warns about each playbook that changed (it, or a macro it sends) since its scenarios
    last passed in `sopdesk test` (recorded in .sopdesk/test-results.json); a warning does not
    fail the check.
    """
    problems = check_desk(desk)
    if problems:
        for problem in problems:
            err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        err.print(
            f"[red]error:[/red] {_plural(len(problems), 'problem')} in {desk}", highlight=False
        )
        raise typer.Exit(1)
    loaded, _ = read_desk(desk)
    assert loaded is not None  # check_desk found nothing wrong
    d = loaded.desk
    steps = sum(len(p.steps) for p in d.playbooks.values())
    parts = [
        _plural(len(d.categories), "category").replace("categorys", "categories"),
        _plural(len(d.escalation_rules), "escalation rule"),
        _plural(len(d.sla_policies), "SLA policy").replace("policys", "policies"),
        _plural(len(d.columns), "board column"),
        f"{_plural(len(d.playbooks), 'playbook')} ({_plural(steps, 'step')})",
        _plural(len(d.macros), "macro"),
        _plural(len(d.articles), "article"),
    ]
    out.print(
        f"{desk}: OK, desk '{d.name}' version {d.version[:12]}", highlight=False, soft_wrap=True
    )
    out.print("  " + ", ".join(parts), highlight=False, soft_wrap=True)
    out.print(f"  languages: {', '.join(d.languages)}", highlight=False, soft_wrap=True)
    for warning in changed_playbooks(desk, d):
        out.print(f"  warning: {warning}; run sopdesk test {desk}", highlight=False, soft_wrap=True)


@app.command("init")
@friendly
def init(
    target: Path = typer.Argument(..., help="The folder to create the desk in (new or empty)."),
    pack: str = typer.Option("starter", "--pack", help="The shipped desk to copy."),
) -> None:
    """Create a desk folder from a shipped pack (the starter pack runs the five seed SOPs)."""
    source = pack_path(pack)
    if target.exists():
        if not target.is_dir():
            raise InvalidInput(f"{target} exists and is not a folder")
        if any(target.iterdir()):
            raise Conflict(
                f"{target} is not empty; give a new or empty folder so nothing is overwritten"
            )
        target.rmdir()
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py", ".sopdesk"),
    )
    out.print(f"created a desk from the '{pack}' pack in {target}", highlight=False, soft_wrap=True)
    out.print(f"next: sopdesk check {target}", highlight=False, soft_wrap=True)
