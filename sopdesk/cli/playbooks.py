"""`sopdesk runs` (runs waiting on what, until when) and `sopdesk simulate` (a scenario on the
real engine and a virtual clock, exit 1 naming each unmet expectation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sopdesk.cli.app import app, err, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario
from sopdesk.desktests.runner import run_engine_scenario
from sopdesk.engine.playbooks import list_waiting_runs
from sopdesk.errors import InvalidInput


@app.command("runs")
@friendly
def runs(
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many runs.")] = 200,
) -> None:
    """List the playbook runs that wait: on what, and until when (soonest first).

    Example: sopdesk runs --desk ./desk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        views = list_waiting_runs(db, limit=limit)
    finally:
        db.dispose()
    table = Table(title=f"{len(views)} waiting run{'s' if len(views) != 1 else ''}")
    for column in ("run", "case", "playbook", "step", "waiting for", "until"):
        table.add_column(column)
    for v in views:
        until = v.wait_until.strftime("%Y-%m-%d %H:%M UTC") if v.wait_until else "a person"
        table.add_row(str(v.id), str(v.case_id), v.playbook, v.step, v.waiting_for or "", until)
    out.print(table)


@app.command("simulate")
@friendly
def simulate(
    desk: Annotated[Path, typer.Argument(help="The desk folder.")],
    playbook: Annotated[
        str | None, typer.Argument(help="The scenario's playbook (a check; optional).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="A scenario file (YAML).", exists=True)
    ] = None,
) -> None:
    """Run a scenario on the real engine and a virtual clock; print the timeline as a table.

    Exits 1 and names each unmet expectation. Example:
    sopdesk simulate ./desk missing-item --scenario ./desk/scenarios/missing-item/unknown.yaml
    """
    if scenario is None:
        raise InvalidInput("give the scenario file: --scenario FILE")
    loaded = load_desk(desk)
    parsed = load_scenario(scenario)
    if playbook is not None and parsed.playbook != playbook:
        raise InvalidInput(
            f"{scenario} is a scenario for '{parsed.playbook}', not for '{playbook}'"
        )
    result = run_engine_scenario(loaded, parsed)
    tz = loaded.business_calendar().tz
    table = Table(title=f"{parsed.playbook or 'routing'}: {parsed.title or scenario.name}")
    for column in ("day", "time", "step", "what", "detail"):
        table.add_column(column)
    for entry in result.entries:
        local = entry.at.astimezone(tz)
        table.add_row(str(entry.day), f"{local:%a %d-%m %H:%M}", entry.step, entry.what, entry.text)
    out.print(table)
    played = loaded.playbooks.get(parsed.playbook or "")
    if played is not None:
        out.print(
            f"run {result.run.status.value}"
            + (f" ({result.run.outcome})" if result.run.outcome else "")
            + f"; {len(set(result.visited))} of {len(played.steps)} steps visited",
            highlight=False,
        )
    if result.unmet:
        for problem in result.unmet:
            err.print(f"[red]unmet:[/red] {problem}", highlight=False)
        raise typer.Exit(1)
    out.print(f"all {len(parsed.expect)} expectations met", highlight=False)
