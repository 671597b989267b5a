"""Flask wiring for the database: one engine per app, one Session per request (flaskr-style).

The request layer commits once: after a response below 400; anything else is rolled back
when the session closes at teardown.

``one_statement(endpoint)`` marks a view whose every write is ONE statement (the workbench's create:
coding/excerpt_create.py): on PostgreSQL its session runs in autocommit, so that statement is its own
durable transaction and the request saves the BEGIN and COMMIT round trips. Its reads see committed data
as they would inside a READ COMMITTED transaction (each statement takes a new snapshot there too). Such a
session comes from a second engine whose connections are in autocommit from the start (a small pool of
their own): switching a pooled connection to autocommit and back on every request, and committing
nothing, cost the create about 0.1-0.2 ms of CPU (#25). ``engines_of`` and ``dispose`` cover both engines.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casecoder.models.engine import make_engine, session_factory

EXT = "casecoder.db"
ONE_STATEMENT: set[str] = set()  # endpoints whose writes are one statement each (``one_statement``)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXT] = session_factory(engine)
    app.extensions[EXT + ".engine"] = engine
    engines = [engine]
    if engine.dialect.name == "postgresql":
        # its statements repeat (a create's few shapes): prepared on their first run, not their sixth (#25)
        prepare = {"prepare_threshold": 0} if engine.dialect.driver == "psycopg" else {}
        autocommit = make_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT", connect_args=prepare)
        app.extensions[EXT + ".one_statement"] = session_factory(autocommit)
        engines.append(autocommit)
        app.before_request(_autocommit_one_statement)  # registered first: before the user is loaded
    app.extensions[EXT + ".engines"] = tuple(engines)
    app.after_request(_commit)
    app.teardown_appcontext(_close)


def one_statement(endpoint: str) -> None:
    """Declare that ``endpoint`` (a view) writes with one statement at most, after all its reads."""
    ONE_STATEMENT.add(endpoint)


def _autocommit_one_statement() -> None:
    if request.endpoint in ONE_STATEMENT and "db_session" not in g:
        g.db_session = current_app.extensions[EXT + ".one_statement"]()
        g.db_autocommit = True  # each statement commits itself: nothing for ``_commit`` to do


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXT]()
    return g.db_session


def engine_of(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions[EXT + ".engine"]


def engines_of(app: Flask) -> tuple[Engine, ...]:
    """The app's engines: ``engine_of``'s, and on PostgreSQL the one-statement views' (autocommit)."""
    return app.extensions[EXT + ".engines"]


def dispose(app: Flask, close: bool = True) -> None:
    """``Engine.dispose`` on every engine of the app (``close=False``: forget the connections, in a new process)."""
    for engine in engines_of(app):
        engine.dispose(close=close)


def open_connections(app: Flask) -> None:
    """Open one connection of each of the app's engines now and leave it in the pool (a new gunicorn worker,
    the development server as it starts), so that the first requests do not wait for the connection and the
    driver's first-connect queries (5-10 ms on PostgreSQL, #25). A database out of reach now is reported by
    the first request that needs it, as before."""
    for engine in engines_of(app):
        try:
            engine.connect().close()
        except SQLAlchemyError as exc:
            app.logger.warning("The database could not be reached yet: %s", exc.__class__.__name__)


def new_session(app: Flask) -> Session:
    """A session outside a request (CLI commands), to be closed by the caller."""
    return app.extensions[EXT]()


def _commit(response: Response) -> Response:
    session = g.get("db_session")
    if session is not None and response.status_code < 400 and not g.get("db_autocommit"):
        session.commit()
    return response


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
