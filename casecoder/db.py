"""Flask wiring for the database: one engine per app, one Session per request (flaskr-style).

The request layer commits once: after a response below 400; anything else is rolled back
when the session closes at teardown.

``one_statement(endpoint)`` marks a view whose every write is ONE statement (the workbench's create:
coding/excerpt_create.py): on PostgreSQL its session runs in autocommit, so that statement is its own
durable transaction and the request saves the BEGIN and COMMIT round trips. Its reads see committed data
as they would inside a READ COMMITTED transaction (each statement takes a new snapshot there too).
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from casecoder.models.engine import make_engine, session_factory

EXT = "casecoder.db"
ONE_STATEMENT: set[str] = set()  # endpoints whose writes are one statement each (``one_statement``)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXT] = session_factory(engine)
    app.extensions[EXT + ".engine"] = engine
    if engine.dialect.name == "postgresql":
        app.before_request(_autocommit_one_statement)  # registered first: before the user is loaded
    app.after_request(_commit)
    app.teardown_appcontext(_close)


def one_statement(endpoint: str) -> None:
    """Declare that ``endpoint`` (a view) writes with one statement at most, after all its reads."""
    ONE_STATEMENT.add(endpoint)


def _autocommit_one_statement() -> None:
    if request.endpoint in ONE_STATEMENT and "db_session" not in g:
        g.db_session = current_app.extensions[EXT]()
        g.db_session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXT]()
    return g.db_session


def engine_of(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions[EXT + ".engine"]


def new_session(app: Flask) -> Session:
    """A session outside a request (CLI commands), to be closed by the caller."""
    return app.extensions[EXT]()


def _commit(response: Response) -> Response:
    session = g.get("db_session")
    if session is not None and response.status_code < 400:
        session.commit()
    return response


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
