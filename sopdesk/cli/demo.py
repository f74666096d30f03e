"""`sopdesk demo`: load realistic demo data into a desk and print the demo sign-in.

Running it again adds nothing: every part is keyed by name, e-mail or reference.
"""

from __future__ import annotations

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, start_runtime
from sopdesk.demo.accounts import Credential
from sopdesk.demo.load import load_demo


@app.command()
@friendly
def demo(desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Load realistic demo data into the desk and print the demo sign-in.

    Adds agents of levels 1-4 (an admin, a lead, an approver), partner shops, ~300 customers
    (some with linked accounts: same phone or address), their orders and shipments, and a few
    hundred cases across the desk's categories, and a few support-bot chats (answered and
    handed off) for the bot report. Running it again adds nothing.

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
        f"customers, {result.links} linked accounts, {result.orders} orders, {result.cases} "
        f"cases and {result.chats} bot chats added (0 means it was already there)",
        highlight=False,
    )
    print_sign_in(result.credentials, "http://127.0.0.1:8000")


def print_sign_in(credentials: list[Credential], base_url: str) -> None:
    """The demo sign-in, one account a line and never cut short (no table to wrap)."""
    if not credentials:
        return
    staff = [c for c in credentials if c[2]]
    shops = [c for c in credentials if not c[2]]
    width = max(len(c[0]) for c in credentials)
    out.print(
        "\n[bold]demo sign-in[/bold] (for a laptop only: change or remove these accounts "
        "before real use); the password of every account is "
        f"[bold]{credentials[0][1]}[/bold]",
        soft_wrap=True,
    )
    out.print(f"  console: {base_url}/login", highlight=False, soft_wrap=True)
    for email, _password, level, roles in staff:
        out.print(f"    {email:<{width}}  level {level}  {roles}", highlight=False, soft_wrap=True)
    if shops:
        out.print(f"  partner portal: {base_url}/partner/login", highlight=False, soft_wrap=True)
        for email, _password, _level, label in shops:
            out.print(f"    {email:<{width}}  {label}", highlight=False, soft_wrap=True)
    out.print(
        "  API token: sopdesk token create --agent admin@sopdesk.local",
        highlight=False,
        soft_wrap=True,
    )
