"""`sopdesk demo`: load realistic demo data into a desk and print the demo sign-in.

Running it again adds nothing: every part is keyed by name, e-mail or reference.
"""

from __future__ import annotations

from rich.table import Table

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, start_runtime
from sopdesk.engine.demo import load_demo


@app.command()
@friendly
def demo(desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Load realistic demo data into the desk and print the demo sign-in.

    Adds agents of levels 1-4 (an admin, a lead, an approver), partner shops, ~300 customers
    (some with linked accounts: same phone or address), their orders and shipments, and a few
    hundred cases across the desk's categories. Running it again adds nothing.

    Example: sopdesk demo --desk ./desk
    """
    runtime = start_runtime(load_settings(desk=desk, database_url=database_url))
    try:
        with out.status("loading demo data…"):
            result = load_demo(runtime.db, runtime.clock, runtime.desk)
    finally:
        runtime.close()
    out.print(
        f"demo data: {result.agents} agents, {result.partners} partners, {result.customers} "
        f"customers, {result.links} linked accounts, {result.orders} orders and "
        f"{result.cases} cases added (0 means it was already there)",
        highlight=False,
    )
    table = Table(title="demo sign-in (for a laptop only: change or remove them before real use)")
    for column in ("e-mail", "password", "level", "roles"):
        table.add_column(column)
    for email, password, level, roles in result.credentials:
        table.add_row(email, password, str(level) if level else "—", roles)
    out.print(table)
    out.print("API token: sopdesk token create --agent admin@sopdesk.local", highlight=False)
