"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL.

SQLite tests copy a migrated template file; PostgreSQL tests share one database created for
this test session (dropped at the end) and empty every table after each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sopdesk.domain.clock import ManualClock
from sopdesk.handlers import import_handlers
from sopdesk.store.db import Database, normalise_url
from sopdesk.store.migrate import upgrade
from sopdesk.store.models import Base

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"

# As `sopdesk serve` and `sopdesk worker` do at start: every capability registers its handlers.
import_handlers()


def _postgres_admin_url() -> str:
    return normalise_url(os.environ.get("SOPDESK_TEST_POSTGRES_URL", DEFAULT_PG))


def _postgres_reachable(url: str) -> str | None:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    admin_url = _postgres_admin_url()
    problem = _postgres_reachable(admin_url)
    if problem:
        if os.environ.get("SOPDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (SOPDESK_REQUIRE_POSTGRES=1) but {problem}")
        pytest.skip(f"no PostgreSQL server answers at {admin_url}: {problem}")
    name = f"sopdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    upgrade(database.engine)
    database.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def _empty_all_tables(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database; each test gets SQLite and PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "sopdesk.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_url")
        yield url
        database = Database(url)
        _empty_all_tables(database)
        database.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
