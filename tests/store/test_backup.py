"""Backup and restore round trip on SQLite and PostgreSQL: every table's rows and every
attachment file come back as they were, into a fresh database and an empty folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.errors import InvalidInput
from sopdesk.runtime import Runtime
from sopdesk.store.backup import backup, restore
from sopdesk.store.blobs import BlobStore
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.models import Base
from tests.conftest import _postgres_admin_url
from tests.web.conftest import desk_dir, runtime

__all__ = ["desk_dir", "runtime"]


def _everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        database.dispose()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"sopdesk_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(_postgres_admin_url()).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restores_every_row_and_file(
    runtime: Runtime, fresh_url: str, tmp_path: Path
) -> None:
    system = Principal.system()
    for n in range(3):
        command = CreateCase(
            customer_email=f"c{n}@example.com", subject=f"Case {n}", body="Where is my order?"
        )
        plan = check_create_case(runtime.db, system, runtime.desk, command)
        do_create_case(runtime.db, runtime.clock, runtime.desk, system, command, plan)
    blobs = BlobStore(runtime.settings.attachments_path)
    blobs.write_bytes(b"%PDF-1.4 a receipt")
    blobs.write_bytes(bytes(range(256)) * 10)
    before, files = _everything(runtime.db.url), _files(runtime.settings.attachments_path)
    assert before["cases"] and len(files) == 2

    summary = backup(runtime.db.url, runtime.settings.attachments_path, tmp_path / "backup")
    assert summary.attachments == 2
    elsewhere = tmp_path / "restored-attachments"
    restore(tmp_path / "backup", normalise_url(fresh_url), elsewhere)

    assert _everything(normalise_url(fresh_url)) == before
    assert _files(elsewhere) == files


def test_a_damaged_backup_is_refused_and_changes_nothing(
    runtime: Runtime, fresh_url: str, tmp_path: Path
) -> None:
    blobs = BlobStore(runtime.settings.attachments_path)
    blobs.write_bytes(b"a photo of the parcel")
    backup(runtime.db.url, runtime.settings.attachments_path, tmp_path / "backup")
    [stored] = [p for p in (tmp_path / "backup" / "attachments").rglob("*") if p.is_file()]
    stored.write_bytes(b"tampered")
    with pytest.raises(InvalidInput, match="missing or damaged"):
        restore(tmp_path / "backup", normalise_url(fresh_url), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InvalidInput, match="not empty"):
        backup(runtime.db.url, runtime.settings.attachments_path, tmp_path / "backup")
