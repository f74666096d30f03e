"""`sopdesk import customers|orders FILE.csv`: validate every row, then import in one transaction.

A file with any bad row imports nothing (each bad row is reported) unless --skip-bad-rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sopdesk.cli.app import app, err, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.desk import load_desk
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.csv_rows import ImportResult, Parsed, RowError, count_rows
from sopdesk.engine.customers import phone_region
from sopdesk.engine.imports import (
    check_import_customers,
    check_import_orders,
    do_import_customers,
    do_import_orders,
    parse_customers,
    parse_orders,
)
from sopdesk.errors import InvalidInput
from sopdesk.store.db import Database

import_app = typer.Typer(
    help="Import customers or orders from CSV files (UTF-8, header row first).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

FileArg = Annotated[Path, typer.Argument(help="The CSV file.", show_default=False)]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Import the good rows and report the bad ones, instead of importing nothing.",
    ),
]
MAX_REPORTED = 200


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[int], None]]:
    total = count_rows(path) if path.is_file() else 0
    with Progress(
        TextColumn("checking {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(path.name, total=total)
        yield lambda n: bar.advance(task, n)


def _report(errors: list[RowError], *, skipped: bool) -> None:
    colour = "yellow" if skipped else "red"
    for error in errors[:MAX_REPORTED]:
        err.print(f"[{colour}]{error}[/{colour}]", highlight=False, soft_wrap=True)
    if len(errors) > MAX_REPORTED:
        err.print(f"[{colour}]… and {len(errors) - MAX_REPORTED} more[/{colour}]")


def _run(
    parsed: Parsed[Any],
    check: Callable[[], Any],
    do: Callable[[Any, int], ImportResult],
    what: str,
) -> None:
    try:
        checked = check()
    except InvalidInput as exc:
        _report(parsed.errors, skipped=False)
        raise InvalidInput(exc.message) from None
    skipped = len(parsed.bad_rows)
    if skipped:
        _report(parsed.errors, skipped=True)
    result = do(checked, skipped)
    out.print(
        f"imported {what}: {result.created} created, {result.updated} updated"
        + (f", {skipped} bad row(s) skipped" if skipped else ""),
        highlight=False,
    )


def _database(desk: Path | None, database_url: str | None) -> Database:
    return open_database(load_settings(desk=desk, database_url=database_url))


@import_app.command("customers")
@friendly
def import_customers(
    file: FileArg,
    skip_bad_rows: SkipOpt = False,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create or update customers (matched by e-mail) from a CSV file.

    Columns: email (required), name, phone, address, language, tier, external_ref.

    Example: sopdesk import customers customers.csv --skip-bad-rows
    """
    settings = load_settings(desk=desk, database_url=database_url)
    region = phone_region(load_desk(settings.desk))
    db = open_database(settings)
    try:
        with _progress(file) as advance:
            parsed = parse_customers(file, region, advance)
        system = Principal.system()
        _run(
            parsed,
            lambda: check_import_customers(db, system, parsed, skip_bad_rows),
            lambda records, skipped: do_import_customers(
                db, SystemClock().now(), records, region, skipped
            ),
            "customers",
        )
    finally:
        db.dispose()


@import_app.command("orders")
@friendly
def import_orders(
    file: FileArg,
    skip_bad_rows: SkipOpt = False,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create or replace orders (matched by order_ref) with their items and shipments.

    One line per item; lines with the same order_ref make one order. Required columns:
    order_ref, placed_at (ISO 8601 with zone), sku, item_name, value.

    Example: sopdesk import orders orders.csv
    """
    db = _database(desk, database_url)
    try:
        with _progress(file) as advance:
            parsed = parse_orders(file, advance)
        system = Principal.system()
        _run(
            parsed,
            lambda: check_import_orders(db, system, parsed, skip_bad_rows),
            lambda checked, skipped: do_import_orders(
                db, SystemClock().now(), checked[0], checked[1], skipped
            ),
            "orders",
        )
    finally:
        db.dispose()
