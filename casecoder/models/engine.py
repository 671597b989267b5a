"""Engines for SQLite and PostgreSQL; no Flask.

SQLite gets foreign keys enforced and WAL journaling on every connection. PostgreSQL's connections are not
pinged before use (optimistic disconnect handling: see make_engine). A new SQLite database file
is created readable by its owner only (0600); SQLite gives its -wal and -shm files the same mode.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: object) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database))
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No ping on every checkout (a round trip per request): a connection the server dropped (a restart) fails
    # its request once, SQLAlchemy sees the disconnect and renews the pool, and the next request works
    # (tests/models/test_engine.py)
    return create_engine(url, **kwargs)


def driver_rows(connection: Connection, statement: str, params: dict[str, Any]) -> Sequence[Any]:
    """The rows of ``statement`` (in the driver's parameter style) run on ``connection``'s driver cursor, without
    SQLAlchemy's execution context and result objects: ~40 us of CPU less than ``exec_driver_sql`` for the
    workbench's one-statement create (#25). What stays SQLAlchemy's: the engine's ``before_cursor_execute`` and
    ``after_cursor_execute`` listeners see the statement (tests, bench/create_path.py; no execution context:
    None), and a driver error goes through the connection's own handling, so it is raised as SQLAlchemy's
    exception and a dropped connection is invalidated (the next request gets a new one)."""
    cursor = connection.connection.cursor()
    try:
        for before in connection.dispatch.before_cursor_execute:
            statement, params = before(connection, cursor, statement, params, None, False)
        cursor.execute(statement, params)
        rows = cursor.fetchall()
        for after in connection.dispatch.after_cursor_execute:
            after(connection, cursor, statement, params, None, False)
        return rows
    except connection.dialect.loaded_dbapi.Error as exc:
        # SQLAlchemy's own (private) handling, as exec_driver_sql's; raises (tests/models/test_engine_reconnect.py)
        connection._handle_dbapi_exception(exc, statement, params, cursor, None)
    finally:
        cursor.close()


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (an empty file is an empty SQLite database).
    An existing file keeps its mode; a missing folder is left for SQLite to report."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, FileNotFoundError):
        pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if ":memory:" not in str(_database_name(dbapi_connection)):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _database_name(dbapi_connection) -> str:  # type: ignore[no-untyped-def]
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
