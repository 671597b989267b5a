"""Flask wiring for the database: one engine per app, one Session per request (flaskr-style).

The request layer commits once: after a response below 400; anything else is rolled back
when the session closes at teardown.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.orm import Session

from casecoder.models.engine import make_engine, session_factory

EXT = "casecoder.db"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXT] = session_factory(engine)
    app.extensions[EXT + ".engine"] = engine
    app.after_request(_commit)
    app.teardown_appcontext(_close)


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
