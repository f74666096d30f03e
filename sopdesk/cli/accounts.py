"""`sopdesk agent add` and `sopdesk token create`: people and API tokens from the command line.

The command line acts as the system (it runs where the database is), through the same
check_*/do_* functions as the API.
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.domain.cases import Role
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.accounts import (
    CreateAgent,
    CreateToken,
    check_create_agent,
    check_create_token,
    do_create_agent,
    do_create_token,
    find_agent,
)
from sopdesk.errors import InvalidInput

agent_app = typer.Typer(help="Manage agents (the people who work cases).", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
app.add_typer(agent_app, name="agent")
app.add_typer(token_app, name="token")


@agent_app.command("add")
@friendly
def agent_add(
    email: Annotated[str, typer.Option(help="The agent's e-mail; they sign in with it.")],
    name: Annotated[str, typer.Option(help="The agent's full name.")],
    level: Annotated[
        int, typer.Option(min=1, max=4, help="Support level 1-4; an agent sees cases up to it.")
    ] = 1,
    role: Annotated[
        list[Role] | None,
        typer.Option(help="A role: agent, lead, approver or admin. Repeat for several."),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Sign-in password (10+ characters); omit for an API-only agent."),
    ] = None,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add an agent with a level and roles.

    Example: sopdesk agent add --email ana@example.com --name "Ana Ruiz" --level 2
    --role lead --role approver --password 'correct horse battery'
    """
    try:
        command = CreateAgent(
            email=email, name=name, level=level, roles=role or [Role.AGENT], password=password
        )
    except ValidationError as exc:
        raise InvalidInput(
            "invalid agent: "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None
    db = open_database(load_settings(desk=desk, database_url=database_url))
    try:
        check_create_agent(db, Principal.system(), command)
        agent = do_create_agent(db, SystemClock(), command)
    finally:
        db.dispose()
    out.print(
        f"Added agent {agent.email} (id {agent.id}, level {agent.level}, "
        f"roles: {', '.join(agent.roles)})",
        highlight=False,
    )


@token_app.command("create")
@friendly
def token_create(
    agent: Annotated[str, typer.Option(help="E-mail of the agent the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "",
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API token for an agent and print it; it is shown only this once.

    The token is the last word of the output, so scripts can take it with `awk '{print $NF}'`.

    Example: TOKEN=$(sopdesk token create --agent admin@sopdesk.local | awk 'END{print $NF}')
    """
    db = open_database(load_settings(desk=desk, database_url=database_url))
    try:
        found = find_agent(db, agent)
        agent_id = check_create_token(
            db, Principal.system(), CreateToken(name=name, agent_id=found.id)
        )
        new = do_create_token(db, SystemClock(), agent_id, name)
    finally:
        db.dispose()
    out.print(
        f"API token {new.view.prefix}… (id {new.view.id}) for {found.email}; "
        "store it now, it is not shown again:",
        highlight=False,
    )
    typer.echo(new.token)
