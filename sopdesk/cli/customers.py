"""`sopdesk customer export` and `sopdesk customer erase`: a customer's data requests.

The command line acts as the system, through the same check_*/do_* pairs as the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.customer_data import (
    check_erase_customer,
    check_export_customer,
    do_erase_customer,
    do_export_customer,
)
from sopdesk.errors import InvalidInput

customer_app = typer.Typer(help="A customer's data requests: export, erase.", no_args_is_help=True)
app.add_typer(customer_app, name="customer")


@customer_app.command("export")
@friendly
def customer_export(
    customer_id: Annotated[int, typer.Argument(help="The customer's id (as on their page).")],
    output: Annotated[
        Path, typer.Option("--out", help="Where to write the zip (customer.json + attachments).")
    ],
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Export everything about a customer: a zip with customer.json and the attachments.

    Example: sopdesk customer export 42 --out customer-42.zip
    """
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        system = Principal.system()
        check_export_customer(db, system, customer_id)
        data = do_export_customer(db, SystemClock(), system, settings.attachments_path, customer_id)
    finally:
        db.dispose()
    output.write_bytes(data)
    out.print(f"Wrote {output} ({len(data):,} bytes)", highlight=False)


@customer_app.command("erase")
@friendly
def customer_erase(
    customer_id: Annotated[int, typer.Argument(help="The customer's id (as on their page).")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Erase a customer: message text, subjects and attachments of their cases removed,
    identities deleted; an audit record and the offense counts (as numbers) are kept.

    Example: sopdesk customer erase 42 --yes
    """
    if not yes:
        raise InvalidInput("erasing cannot be undone; add --yes to confirm")
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        system = Principal.system()
        check_erase_customer(db, system, customer_id)
        done = do_erase_customer(db, SystemClock(), system, settings.attachments_path, customer_id)
    finally:
        db.dispose()
    out.print(
        f"Erased customer {customer_id}: {done.messages} timeline texts and "
        f"{done.attachments} attachments over {done.cases} cases; offense counts kept: "
        f"{done.offense_counts or 'none'}",
        highlight=False,
    )
