"""`sopdesk test DESK`: every scenario of a desk on the real engine (a throwaway database and a
virtual clock each), a table of results, step coverage per playbook, untouched macros, JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from sopdesk.cli.app import app, err, friendly, out
from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import scenario_files
from sopdesk.desk.test_results import RESULTS_FILE, DeskTestRun, PlaybookCoverage, record_run
from sopdesk.desktests.pool import run_scenarios
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.simulation import SimulationResult, branch_coverage, coverage
from sopdesk.errors import InvalidInput

Outcome = tuple[str, SimulationResult | None, list[str], float]  # name, result, problems, secs


def _run_all(desk: Desk, files: list[Path], root: Path, jobs: int | None) -> list[Outcome]:
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("scenarios", total=len(files))
        ran = run_scenarios(desk, files, jobs=jobs, done=lambda _: progress.advance(task))
    return [(str(o.path.relative_to(root)), o.result, o.problems, o.seconds) for o in ran]


Coverage = dict[str, tuple[float, list[str], float, list[str]]]  # steps, missing, branches, ...


def _coverage(desk: Desk, outcomes: list[Outcome]) -> Coverage:
    results = [r for _, r, _, _ in outcomes if r is not None]
    found: Coverage = {}
    for slug, playbook in sorted(desk.playbooks.items()):
        mine = [r for r in results if r.scenario.playbook == slug]
        share, missing = coverage(playbook, mine)
        branches, untaken = branch_coverage(playbook, mine)
        found[slug] = (share, missing, branches, untaken)
    return found


def _coverage_table(found: Coverage) -> Table:
    table = Table(title="coverage")
    for column in ("playbook", "steps", "never reached", "branches", "never taken"):
        table.add_column(column)
    for slug, (share, missing, branches, untaken) in found.items():
        table.add_row(
            slug,
            f"{share:.0%}",
            ", ".join(missing) or "-",
            f"{branches:.0%}",
            ", ".join(untaken) or "-",
        )
    return table


def untouched_categories(desk: Desk, results: list[SimulationResult]) -> list[str]:
    """Categories no scenario's case was in (at the start or after routing)."""
    seen = {r.scenario.case.category for r in results}
    seen |= {r.world.get("case", {}).get("category") for r in results}
    seen |= {row.category for r in results for row in r.scenario.matrix}
    seen |= {row.get("category") for r in results for row in r.world.get("matrix", [])}
    return sorted(set(desk.categories) - seen)


def untouched_macros(desk: Desk, results: list[SimulationResult]) -> list[str]:
    sent = {
        e.effect.macro for r in results for e in r.entries if isinstance(e.effect, fx.SendMacro)
    }
    return sorted(set(desk.macros) - sent)


def write_junit(path: Path, outcomes: list[Outcome]) -> None:
    failures = sum(1 for _, _, problems, _ in outcomes if problems)
    suite = ET.Element(
        "testsuite",
        name="sopdesk scenarios",
        tests=str(len(outcomes)),
        failures=str(failures),
        time=f"{sum(o[3] for o in outcomes):.3f}",
    )
    for name, _, problems, elapsed in outcomes:
        case = ET.SubElement(
            suite, "testcase", classname="scenarios", name=name, time=f"{elapsed:.3f}"
        )
        if problems:
            failure = ET.SubElement(case, "failure", message=problems[0])
            failure.text = "\n".join(problems)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _record(
    folder: Path, desk: Desk, outcomes: list[Outcome], found: Coverage, name: str | None
) -> None:
    """The run in the desk's .sopdesk/test-results.json, for `sopdesk check` and the admin
    page; a desk folder that cannot be written to only loses the record."""
    failed = sum(1 for _, _, problems, _ in outcomes if problems)
    run = DeskTestRun(
        at=SystemClock().now(),
        desk_version=desk.version,
        passed=len(outcomes) - failed,
        failed=failed,
        only=name,
        coverage={
            slug: PlaybookCoverage(steps=share, branches=branches)
            for slug, (share, _, branches, _) in found.items()
        },
    )
    verdicts: dict[str, list[bool]] = {}
    for _, result, problems, _ in outcomes:
        if result is not None and result.scenario.playbook is not None:
            verdicts.setdefault(result.scenario.playbook, []).append(not problems)
    try:
        record_run(folder, desk, run, verdicts)
    except OSError as exc:
        err.print(f"could not record the run in {folder / RESULTS_FILE}: {exc}", highlight=False)


@app.command("test")
@friendly
def test(
    desk: Annotated[Path, typer.Argument(help="The desk folder.")],
    name: Annotated[
        str | None, typer.Option("-k", help="Only scenarios whose path contains this.")
    ] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report.")] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Scenarios run at once (default: one per core)."),
    ] = None,
) -> None:
    """Run every scenario of a desk on the real engine; exit 1 if one fails.

    Each scenario gets a throwaway database and a virtual clock; mail and chat are captured.
    Scenarios run side by side, one process per core (--jobs 1: one after another).
    The run is recorded in DESK/.sopdesk/test-results.json (the admin desk page shows it;
    `sopdesk check` warns about playbooks changed since their scenarios last passed).
    Example: sopdesk test ./desk -k missing-item --junit scenarios.xml
    """
    loaded = load_desk(desk)
    files = [f for f in scenario_files(desk) if name is None or name in str(f.relative_to(desk))]
    if not files:
        raise InvalidInput(
            f"no scenario in {desk}/scenarios" + (f" matches '{name}'" if name else "")
        )
    outcomes = _run_all(loaded, files, desk, jobs)
    table = Table(title=f"{len(outcomes)} scenario{'s' if len(outcomes) != 1 else ''}")
    for column in ("scenario", "result", "seconds", "unmet"):
        table.add_column(column)
    for scenario, _, problems, elapsed in outcomes:
        verdict = "[red]FAIL[/red]" if problems else "[green]pass[/green]"
        table.add_row(scenario, verdict, f"{elapsed:.2f}", "\n".join(problems))
    out.print(table)
    found = _coverage(loaded, outcomes)
    out.print(_coverage_table(found))
    results = [r for _, r, _, _ in outcomes if r is not None]
    unused = untouched_macros(loaded, results) if name is None else []
    if unused:
        out.print(f"macros no scenario sends: {', '.join(unused)}", highlight=False)
    untouched = untouched_categories(loaded, results) if name is None else []
    if untouched:
        out.print(
            f"categories no scenario touches ({len(untouched)} of {len(loaded.categories)}): "
            + ", ".join(untouched),
            highlight=False,
        )
    if junit is not None:
        write_junit(junit, outcomes)
    failed = sum(1 for _, _, problems, _ in outcomes if problems)
    _record(desk, loaded, outcomes, found, name)
    out.print(f"{len(outcomes) - failed} passed, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)
