"""`sopdesk backup FOLDER` and `sopdesk restore FOLDER`: the database and the attachments.

The work is sopdesk.store.backup; these commands only name the desk and print the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings
from sopdesk.store import backup as backups

Folder = Annotated[Path, typer.Argument(help="The backup folder.")]


@app.command("backup")
@friendly
def backup(folder: Folder, desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Copy the database and the attachments into a new folder, while the desk runs.

    SQLite is copied through its online backup API, PostgreSQL with pg_dump (which must be
    installed). Example: sopdesk backup /backups/desk-2026-12-02 --desk /srv/desk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    done = backups.backup(settings.db_url, settings.attachments_path, folder)
    out.print(
        f"backed up the {done.database} database and {done.attachments} attachment files"
        f" into {done.folder}",
        highlight=False,
    )


@app.command("restore")
@friendly
def restore(folder: Folder, desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Replace the database with a backup's and put its attachments back.

    Stop `sopdesk serve` and `sopdesk worker` first. Example: sopdesk restore
    /backups/desk-2026-12-02 --desk /srv/desk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    done = backups.restore(folder, settings.db_url, settings.attachments_path)
    out.print(
        f"restored the {done.database} database and {done.attachments} attachment files"
        f" from {done.folder}",
        highlight=False,
    )
