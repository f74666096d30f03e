"""`sopdesk db upgrade`: bring the database schema up to this version of sopdesk.

`serve`, `worker` and the other commands also migrate on start; this does only that.
"""

from __future__ import annotations

import typer

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.store.migrate import current_revision

db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@friendly
def upgrade(desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Run every pending migration (safe to run any time; it does nothing when up to date).

    Example: sopdesk db upgrade --database-url postgresql://sopdesk@db.internal/sopdesk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    db = open_database(settings)
    try:
        revision = current_revision(db.engine)
    finally:
        db.dispose()
    out.print(
        f"database {db.engine.url.render_as_string()} is at revision {revision}", highlight=False
    )
