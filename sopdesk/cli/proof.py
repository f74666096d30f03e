"""`sopdesk proof export` (the proof of compliance of one case or of every run started in a
period, signed JSON or CSV) and `sopdesk proof verify FILE` (is a signed JSON export unchanged?)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, start_runtime
from sopdesk.domain.principal import Principal
from sopdesk.engine.compliance import case_proof, period_proof, verify
from sopdesk.engine.reports import parse_filter
from sopdesk.errors import InvalidInput

proof_app = typer.Typer(
    help="Proof that each SOP was followed: export it, verify an export.", no_args_is_help=True
)
app.add_typer(proof_app, name="proof")


@proof_app.command("export")
@friendly
def export(
    case: Annotated[int | None, typer.Option(help="one case's proof (else: a period's)")] = None,
    since: Annotated[str | None, typer.Option("--from", help="first day, e.g. 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option("--to", help="last day (inclusive)")] = None,
    format: Annotated[str, typer.Option(help="json (signed) or csv")] = "json",
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Export the proof of compliance: every playbook step that ran, when, by whom, whether on
    time against the SOP's due times, the required checks missed, the SLA clocks, and shares
    per SOP and per agent; signed with the desk version and a SHA-256 of the content.

    Example: sopdesk proof export --from 2026-11-01 --to 2026-11-30 --format csv --output nov.csv
    """
    if format not in ("json", "csv"):
        raise InvalidInput("--format must be json or csv")
    runtime = start_runtime(load_settings(desk=desk, database_url=database_url))
    try:
        system = Principal.system()
        if case is not None:
            proof = case_proof(runtime.db, system, runtime.desk, case)
        else:
            params = {k: v for k, v in (("from", since), ("to", until)) if v}
            f = parse_filter(params, runtime.clock.now())
            proof = period_proof(runtime.db, system, runtime.desk, f)
    finally:
        runtime.close()
    text = json.dumps(proof.signed(), indent=2) + "\n" if format == "json" else proof.csv()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {len(proof.runs)} runs to {output}", highlight=False)


@proof_app.command("verify")
@friendly
def verify_command(path: Path) -> None:
    """Check that a signed JSON export is unchanged since it was made (its SHA-256 matches).

    Example: sopdesk proof verify proof.json
    """
    try:
        signed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path} is not a readable JSON export: {exc}") from None
    if not isinstance(signed, dict) or not verify(signed):
        raise InvalidInput(f"{path} does not match its signature: it was changed")
    out.print(
        f"{path}: unchanged (desk version {str(signed.get('desk_version'))[:12]})",
        highlight=False,
    )
