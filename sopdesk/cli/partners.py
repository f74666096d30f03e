"""`sopdesk partner add`, `sopdesk partner user add|deactivate|activate`: shops and their
portal users.

The command line acts as the system, through the same check_*/do_* functions as the API. A
user added without --password gets an invitation link that lets them choose one.
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.domain.clock import SystemClock
from sopdesk.domain.principal import Principal
from sopdesk.engine.partner_invites import (
    InvitePartnerUser,
    check_invite_partner_user,
    do_invite_partner_user,
    invite_url,
)
from sopdesk.engine.partner_users import (
    CreatePartner,
    CreatePartnerUser,
    check_create_partner,
    check_create_partner_user,
    check_set_partner_user_active,
    do_create_partner,
    do_create_partner_user,
    do_set_partner_user_active,
)
from sopdesk.errors import InvalidInput

partner_app = typer.Typer(
    help="Manage partners (e.g. shops) and their portal users.", no_args_is_help=True
)
user_app = typer.Typer(help="Manage a partner's portal users.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
partner_app.add_typer(user_app, name="user")


def _invalid(what: str, exc: ValidationError) -> InvalidInput:
    return InvalidInput(
        f"invalid {what}: "
        + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    )


@partner_app.command("add")
@friendly
def partner_add(
    slug: Annotated[str, typer.Option(help="Short name in lower case, e.g. golden-pack.")],
    name: Annotated[str, typer.Option(help="The partner's name as agents see it.")],
    email: Annotated[
        str | None, typer.Option(help="Where the desk writes to the partner (reminders).")
    ] = None,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add a partner (a shop on the marketplace, a carrier...) that works on cases.

    Example: sopdesk partner add --slug golden-pack --name "Golden Pack Cards"
    --email orders@goldenpack.example
    """
    try:
        command = CreatePartner(slug=slug, name=name, email=email)
    except ValidationError as exc:
        raise _invalid("partner", exc) from None
    db = open_database(load_settings(desk=desk, database_url=database_url))
    try:
        check_create_partner(db, Principal.system(), command)
        partner_id = do_create_partner(db, SystemClock().now(), command)
    finally:
        db.dispose()
    out.print(f"Added partner {command.slug} ({command.name}, id {partner_id})", highlight=False)


@user_app.command("add")
@friendly
def partner_user_add(
    partner: Annotated[str, typer.Option(help="The partner's slug (see `sopdesk partner add`).")],
    email: Annotated[str, typer.Option(help="The user's e-mail; they sign in with it.")],
    name: Annotated[str, typer.Option(help="The user's name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(help="Sign-in password (10+ characters); omit to print an invitation link."),
    ] = None,
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add a partner-portal user; without --password, print a link (valid 7 days) with which
    they choose their own password.

    Example: sopdesk partner user add --partner golden-pack --email sam@goldenpack.example
    --name "Sam Shop"
    """
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        if password is not None:
            try:
                command = CreatePartnerUser(
                    partner=partner, email=email, name=name, password=password
                )
            except ValidationError as exc:
                raise _invalid("partner user", exc) from None
            partner_id = check_create_partner_user(db, Principal.system(), command)
            user = do_create_partner_user(db, SystemClock(), partner_id, command)
            out.print(f"Added partner user {user.email} (id {user.id})", highlight=False)
            return
        try:
            invite = InvitePartnerUser(partner=partner, email=email, name=name)
        except ValidationError as exc:
            raise _invalid("partner user", exc) from None
        partner_id = check_invite_partner_user(db, Principal.system(), invite)
        made = do_invite_partner_user(
            db, SystemClock().now(), settings.resolved_secret_key(), partner_id, invite
        )
    finally:
        db.dispose()
    out.print(
        f"Invited partner user {made.email} (id {made.user_id}); send them this link, valid "
        f"until {made.expires_at:%Y-%m-%d %H:%M} UTC, to choose a password:",
        highlight=False,
        soft_wrap=True,
    )
    typer.echo(invite_url(settings.public_url, made.token))


def _set_active(email: str, active: bool, desk: DeskOpt, database_url: DatabaseOpt) -> None:
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        user_id = check_set_partner_user_active(db, Principal.system(), email)
        done = do_set_partner_user_active(db, user_id, active)
    finally:
        db.dispose()
    state = "active again" if done.active else "deactivated; their sessions have ended"
    out.print(f"Partner user {done.email} (id {done.id}) is {state}", highlight=False)


@user_app.command("deactivate")
@friendly
def partner_user_deactivate(
    email: Annotated[str, typer.Option(help="The partner user's e-mail.")],
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Deactivate a partner-portal user: their sessions end at once, and their sign-in and
    invitation link are refused until `sopdesk partner user activate`.

    Example: sopdesk partner user deactivate --email sam@goldenpack.example
    """
    _set_active(email, False, desk, database_url)


@user_app.command("activate")
@friendly
def partner_user_activate(
    email: Annotated[str, typer.Option(help="The partner user's e-mail.")],
    desk: DeskOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Let a deactivated partner-portal user sign in again.

    Example: sopdesk partner user activate --email sam@goldenpack.example
    """
    _set_active(email, True, desk, database_url)
