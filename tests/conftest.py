"""Fixtures: every database test runs on SQLite and on PostgreSQL, each on a fresh database.

PostgreSQL comes from CASECODER_TEST_DATABASE_URL (default: the local server at 127.0.0.1:5432,
database ``test``); a test asking only for ``db_url`` gets a new empty schema, dropped afterwards;
a test that needs the tables (``engine``) or the demo gets its process's schema reset to new
(tests/fresh_db.py). Without a reachable PostgreSQL the PostgreSQL half is skipped with the
reason — except under CI=true, where it fails.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from casecoder.app import create_app
from casecoder.models import Base
from casecoder.models.engine import make_engine
from tests.compiled_once import TEMPLATES, share_compiled_code
from tests.factories import PASSWORD, Factory
from tests.fresh_db import PostgresSchemas, SqliteTemplates, demo_project
from tests.server_helpers import Server

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_pg_state: dict[str, object] = {}
if (SHARED / "refi" / "Project.xsd").is_file():  # REFI-QDA schema checks read the shared XSDs in place
    os.environ.setdefault("CASECODER_REFI_SCHEMAS", str(SHARED / "refi"))


# scrypt is a pure function: this process keeps its recent answers, so checking the same password
# against the same stored hash again (every login as the demo's admin or a factory user) costs
# nothing; a new salt is still hashed in full. Same bytes out as hashlib's own.
hashlib.scrypt = functools.lru_cache(maxsize=64)(hashlib.scrypt)  # type: ignore[assignment]
share_compiled_code()  # every test builds its own app: its URL rules and templates are compiled once per process


def pg_base_url() -> str:
    """The PostgreSQL URL of this test process: under xdist, a database of the worker's own (``test_gw0``, ...,
    made on first use). Advisory locks are per database: the derived tables' triggers lock a project id, and
    two workers' schemas in one database have the same project ids, so they would wait for (or deadlock with)
    each other's transactions."""
    if "url" not in _pg_state:
        base = os.environ.get("CASECODER_TEST_DATABASE_URL") or DEFAULT_PG
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        _pg_state["url"] = _worker_database(base, worker) if worker else base
    return _pg_state["url"]  # type: ignore[return-value]


def _worker_database(base: str, worker: str) -> str:
    """``base`` with its database replaced by ``<database>_<worker>``, created when missing (its commits
    asynchronous); ``base`` itself when the server cannot be reached or refuses (the reason then shows where
    the tests use it)."""
    url = make_url(base)
    name = f"{url.database}_{re.sub(r'[^a-z0-9_]', '_', worker.lower())}"
    try:
        engine = make_engine(base, pool_pre_ping=False, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                    encoding, collate, ctype = conn.execute(text(  # as the base database sorts and compares text
                        "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                        "WHERE datname = current_database()")).one()
                    conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING '{encoding}' "
                                      f"LC_COLLATE '{collate}' LC_CTYPE '{ctype}'"))
                # test data: a commit does not wait for the disk (1-3 ms each here). What the tests kill is the
                # app, never the database server, so an acknowledged write survives as it would with the wait.
                conn.execute(text(f"ALTER DATABASE \"{name}\" SET synchronous_commit = off"))
        finally:
            engine.dispose()
    except Exception:
        return base
    return url.set(database=name).render_as_string(hide_password=False)


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not (cached for the session)."""
    if "reason" not in _pg_state:
        try:
            engine = make_engine(pg_base_url(), pool_pre_ping=False, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:
            _pg_state["reason"] = f"PostgreSQL at {make_url(pg_base_url()).render_as_string()} unreachable: {exc}"
    return _pg_state["reason"]  # type: ignore[return-value]


def require_postgres() -> None:
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (CI=true: PostgreSQL is required)")
        pytest.skip(reason)


# What a test's database holds before it starts (tests/fresh_db.py): "demo", "tables" or None (empty).
CONTENT = pytest.StashKey[str | None]()


def wanted_content(request: pytest.FixtureRequest) -> str | None:
    names = set(request.fixturenames)
    if names & {"demo", "demo_data", "live_server"}:
        return "demo"
    return "tables" if "engine" in names else None


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PostgresSchemas]:
    schemas = PostgresSchemas(pg_base_url())
    yield schemas
    schemas.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new database of each kind: empty, or with the tables (when the test uses ``engine``)
    or the demo (``demo``, ``live_server``) already in it."""
    content = wanted_content(request)
    request.node.stash[CONTENT] = content
    if request.param == "sqlite":
        path = tmp_path / "casecoder.sqlite"
        if content:
            request.getfixturevalue("sqlite_templates").copy_to(content, path)
        yield f"sqlite:///{path}"
        return
    require_postgres()
    schemas: PostgresSchemas = request.getfixturevalue("pg_schemas")
    if content:
        yield schemas.schema_url(demo=content == "demo")
        return
    schema = schemas.new_schema()
    try:
        yield schemas.url(schema)
    finally:
        schemas.drop(schema)


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a fresh database holding the current schema."""
    eng = make_engine(db_url)
    if request.node.stash.get(CONTENT, None) is None:  # db_url was asked for on its own, then engine
        Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A bare Session for domain tests: no app, no request."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def factory(session: Session) -> Factory:
    return Factory(session)


@pytest.fixture
def bare_app(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app on an empty database (no tables yet)."""
    # an import answers in its own request however slow the machine (tests of the job page set 0)
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": "test-" + uuid.uuid4().hex,
                      "IMPORT_WAIT_SECONDS": 600})
    app.instance_path = str(tmp_path / "instance")
    app.jinja_env.bytecode_cache = TEMPLATES
    yield app
    from casecoder.db import dispose
    for thread in threading.enumerate():  # an import job outliving its request: let it end with its connections
        if thread.name.startswith("import-job-"):
            thread.join(60)
    dispose(app)


@pytest.fixture
def app(engine: Engine, bare_app):  # type: ignore[no-untyped-def]
    """An app on a fresh database holding the current schema."""
    return bare_app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


@contextlib.contextmanager
def on_statements(app, seen):  # type: ignore[no-untyped-def]
    """``seen(conn, cursor, statement, ...)`` before each statement of any of the app's engines (on PostgreSQL
    the one-statement views' autocommit engine too: casecoder/db.py)."""
    from casecoder.db import engines_of
    for engine in engines_of(app):
        event.listen(engine, "before_cursor_execute", seen)
    try:
        yield
    finally:
        for engine in engines_of(app):
            event.remove(engine, "before_cursor_execute", seen)


def csrf_token(client, url: str = "/auth/login") -> str:  # type: ignore[no-untyped-def]
    """The CSRF token a page hands to the browser."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not present at {SHARED}; tests reading shared files are skipped")
    return SHARED


@pytest.fixture
def demo_data(session):  # type: ignore[no-untyped-def]
    """The demo project in a fresh database (copied in, as for ``demo``), without an app or a login."""
    return demo_project(session)


@pytest.fixture
def demo(session, client):  # type: ignore[no-untyped-def]
    """The demo project, with ``admin`` (owner, English UI) logged in on ``client``."""
    from casecoder.coding import accounts
    project = demo_project(session)
    accounts.get_user(session, "admin").language = "en"
    session.commit()
    login(client, "admin", PASSWORD)
    return project


# ---- a real browser against a live server (Playwright driving Debian's Chromium) ----
CHROMIUM = os.environ.get("CASECODER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}; the test command installs it (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, session):  # type: ignore[no-untyped-def]
    """The app served on a free local port, with the demo loaded and admin's password known."""
    project = demo_project(session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", project
    server.shutdown()
    thread.join(5)
    deadline = time.monotonic() + 10  # requests still being answered (a page's polling) end before the
    while time.monotonic() < deadline and any(  # database goes: none leaves a connection for the GC
            t.name.endswith("(process_request_thread)") for t in threading.enumerate()):
        time.sleep(0.02)


@pytest.fixture
def page(browser):
    """A page that lets Playwright's polling helpers (``wait_for_function``) evaluate script: they
    use eval, which the app's Content-Security-Policy forbids. ``strict_page`` enforces the CSP."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def strict_page(browser):
    """A page that enforces the app's Content-Security-Policy as a user's browser does."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def target(factory, session):
    """A project ``proj`` from the default codebook with its owner ``eva`` (the project-bundle tests)."""
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    session.commit()
    return project, eva


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    """``start_server(db_url, workers)``: a running production server (server_helpers.Server; ``workers=None``:
    the development server), killed afterwards."""
    started: list[Server] = []

    def start(db_url: str, workers: int | None = 3) -> Server:
        server = Server(db_url, tmp_path, workers)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.kill()
