"""PostgreSQL connections are not pinged before each request (models/engine.py): when the server drops
them (a restart, an administrator), one request fails and the next one works on a new connection."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from casecoder.db import engine_of
from casecoder.models.engine import make_engine
from tests.conftest import login
from tests.factories import PASSWORD


def test_the_request_after_a_dropped_connection_works(app, client, engine, db_url, factory, session):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop the connection")
    assert not engine_of(app).pool._pre_ping and not make_engine(db_url).pool._pre_ping
    factory.project("proj", factory.user("eva"))
    session.commit()
    login(client, "eva", PASSWORD)
    assert client.get("/api/p/proj/codes").status_code == 200
    app_engine = engine_of(app)
    app_engine.dispose()
    with app_engine.connect() as connection:  # the only connection of the app's pool now
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()  # waits
    assert client.get("/healthz").status_code == 503  # the dropped connection: this request fails …
    assert client.get("/healthz").status_code == 200  # … the next one has a new connection
    assert client.get("/api/p/proj/codes").status_code == 200


def test_driver_rows_keeps_the_listeners_the_errors_and_the_reconnect(engine, db_url):
    """``driver_rows`` (the create's statement on the driver's cursor): the engine's statement listeners see it,
    an error is SQLAlchemy's, and a dropped connection is invalidated: the pool's next one works."""
    from sqlalchemy import event, exc

    from casecoder.models.engine import driver_rows
    if not db_url.startswith("postgresql"):
        pytest.skip("the create's one statement runs on the driver's cursor on PostgreSQL only")
    own = make_engine(db_url, isolation_level="AUTOCOMMIT")
    seen: list[str] = []
    event.listen(own, "before_cursor_execute", lambda *args: seen.append("before " + args[2]))
    event.listen(own, "after_cursor_execute", lambda *args: seen.append("after " + args[2]))
    try:
        with own.connect() as connection:
            assert list(driver_rows(connection, "SELECT %(a)s::int, 2", {"a": 1})) == [(1, 2)]
            assert seen == ["before SELECT %(a)s::int, 2", "after SELECT %(a)s::int, 2"]
            with pytest.raises(exc.DataError):  # SQLAlchemy's exception, and the connection goes on
                driver_rows(connection, "SELECT 1 / %(zero)s::int", {"zero": 0})
            assert list(driver_rows(connection, "SELECT 3", {})) == [(3,)]
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with engine.connect() as other:
                assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
            with pytest.raises(exc.OperationalError) as dropped:
                driver_rows(connection, "SELECT 4", {})
            assert dropped.value.connection_invalidated and connection.invalidated
        with own.connect() as connection:  # a new connection
            assert list(driver_rows(connection, "SELECT 5", {})) == [(5,)]
    finally:
        own.dispose()
