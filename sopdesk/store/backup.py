"""Backups of a desk's data: the database (SQLite through its online backup API, PostgreSQL
through pg_dump) and the attachments folder, into one folder with a manifest; and the restore.

A backup of a running desk is consistent: SQLite's backup API copies one snapshot, pg_dump
reads in one transaction. Attachments are content-addressed files that are never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from sopdesk.errors import InvalidInput

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
ATTACHMENTS = "attachments"


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    database: str  # "sqlite" or "postgresql"
    attachments: int


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database:
        raise InvalidInput("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _files(folder: Path) -> dict[str, str]:
    """Every file under the folder by relative path, with its SHA-256."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def backup(url: str, attachments: Path, target: Path) -> BackupSummary:
    """Writes the database and the attachments into `target` (a new or empty folder)."""
    if target.exists() and any(target.iterdir()):
        raise InvalidInput(f"{target} is not empty; give a new folder for the backup")
    target.mkdir(parents=True, exist_ok=True)
    path = _sqlite_path(url)
    if path is not None:
        source = sqlite3.connect(path)
        copy = sqlite3.connect(target / SQLITE_FILE)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        kind = "sqlite"
    else:
        _run(["pg_dump", "--format=custom", f"--file={target / PG_FILE}", _libpq_url(url)])
        kind = "postgresql"
    if attachments.is_dir():
        shutil.copytree(attachments, target / ATTACHMENTS)
    files = _files(target / ATTACHMENTS)
    manifest = {"database": kind, "attachments": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return BackupSummary(target, kind, len(files))


def restore(source: Path, url: str, attachments: Path) -> BackupSummary:
    """Puts a backup back: the database replaced by the backup's, the attachments added."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{source} is not a sopdesk backup (no readable {MANIFEST})") from exc
    path = _sqlite_path(url)
    if (path is not None) != (manifest["database"] == "sqlite"):
        raise InvalidInput(
            f"the backup is of a {manifest['database']} database; restore it into the same kind"
        )
    for name, digest in manifest["attachments"].items():
        stored = source / ATTACHMENTS / name
        if not stored.is_file() or hashlib.sha256(stored.read_bytes()).hexdigest() != digest:
            raise InvalidInput(f"attachment {name} of the backup is missing or damaged")
    if path is not None:
        backup_db = sqlite3.connect(source / SQLITE_FILE)
        live = sqlite3.connect(path)
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(source / PG_FILE),
            ]
        )
    if (source / ATTACHMENTS).is_dir():
        shutil.copytree(source / ATTACHMENTS, attachments, dirs_exist_ok=True)
    return BackupSummary(source, manifest["database"], len(manifest["attachments"]))


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise InvalidInput(f"{command[0]} is not installed; install the PostgreSQL client") from exc
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise InvalidInput(f"{command[0]} failed: {reason[-1] if reason else 'no output'}")
