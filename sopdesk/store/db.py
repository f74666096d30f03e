"""Engines and sessions for SQLite (embedded default) and PostgreSQL (psycopg 3).

SQLite runs in WAL mode with pragmas chosen for a helpdesk: durable enough, fast, never 'locked'.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from sopdesk.errors import InvalidInput

WRITE_OPTION = "sopdesk_write"
MAX_INTEGER = 2**63 - 1  # the largest id or count either database stores


def normalise_url(url: str) -> str:
    """Route plain postgresql:// URLs to psycopg 3, the driver sopdesk ships with."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer writes; NORMAL sync is safe in WAL (a power cut may
    # lose the last commits but never corrupts); busy_timeout waits for the writer lock
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-32000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, with sopdesk's pragmas on SQLite."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite defers BEGIN to the first write, so a read that later writes can fail at
        # once with SQLITE_BUSY_SNAPSHOT. We issue BEGIN ourselves: IMMEDIATE for units of
        # work that write (they queue on busy_timeout), plain BEGIN for reads.
        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            write = conn.get_execution_options().get(WRITE_OPTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls everything back on any error.

    A value the database cannot hold (an id beyond 64 bits, from a path, a filter or a body) is
    input, not a fault: it becomes InvalidInput (422), in this one place for every caller.

    `write=False` marks a read-only unit, which on SQLite does not take the writer lock.
    """
    try:
        with factory() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: write})
            yield session
    except OverflowError as exc:  # SQLite: an integer beyond 64 bits cannot be bound
        raise InvalidInput(f"a number is too large (the limit is {MAX_INTEGER})") from exc
    except DataError as exc:  # PostgreSQL: a value its column type cannot hold
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "unstorable value"
        raise InvalidInput(f"a value cannot be stored or looked up: {reason}") from exc


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's dialect, so `.on_conflict_do_nothing()` is at hand."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


class SqliteWriterTurn:
    """Whose turn it is to write a SQLite database (it has one writer at a time).

    Threads of this process queue on a lock and processes (`serve --workers N`, `sopdesk
    worker`) on an flock of `<database>-writer`; both wake a waiter as soon as the turn is free.
    Without them, writers wait at BEGIN IMMEDIATE in SQLite's busy handler, which sleeps 1, 2,
    5, 10 ... 100 ms between tries: a long tail of latency under concurrent writes. Reentrant,
    so a nested write still fails at SQLite's busy timeout, as before, instead of hanging.
    """

    def __init__(self, path: str | None) -> None:
        self._threads = threading.RLock()
        self._path = path  # None for an in-memory database: no other process can see it
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            first = self._depth == 0
            self._depth += 1
            try:
                if first and self._path is not None:
                    if self._fd is None:
                        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(self._fd, fcntl.LOCK_UN)
                else:
                    yield
            finally:
                self._depth -= 1

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@contextmanager
def _writing(turn: SqliteWriterTurn, factory: sessionmaker[Session]) -> Iterator[Session]:
    with turn.turn(), transaction(factory, write=True) as session:
        yield session


class Database:
    """One database: its engine and session factory, opened once per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = make_sessionmaker(self.engine)
        self._writer: SqliteWriterTurn | None = None
        if is_sqlite(self.engine):
            file = make_url(self.url).database
            memory = not file or file == ":memory:" or file.startswith("file::memory:")
            self._writer = SqliteWriterTurn(None if memory else f"{file}-writer")

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def transaction(self, *, write: bool = True) -> Any:
        """See `transaction`: one unit of work on this database (writes on SQLite wait for
        their turn first, see `SqliteWriterTurn`)."""
        if write and self._writer is not None:
            return _writing(self._writer, self.sessions)
        return transaction(self.sessions, write=write)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()
