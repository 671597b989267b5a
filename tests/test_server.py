"""The real server (#10): ``casecoder serve --production`` (gunicorn, several workers) under concurrent
HTTP clients, and ``kill -9`` in the middle of a bundle import leaves the database as it was.

Every server runs as a subprocess in its own process group on a free port and is killed in ``finally``.
The clients are stdlib ``urllib``/``http.client`` with a cookie jar and real CSRF tokens.
"""
from __future__ import annotations

import hashlib
import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from bench.generate import generate
from casecoder import backup, config
from casecoder.coding import accounts, projects
from casecoder.export.project_bundle import bundle_files, zip_bytes
from casecoder.models import Base, Code, Coding, Excerpt, Project
from casecoder.models.engine import make_engine

from .factories import PASSWORD, Factory

pytestmark = pytest.mark.server
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
CASECODER = Path(sys.executable).with_name("casecoder")
POSTGRES = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASECODER_") or k == "CASECODER_REFI_SCHEMAS"}
    env.update(CASECODER_DATABASE_URL=db_url, CASECODER_SECRET_KEY="server-test-" + uuid.uuid4().hex,
               CASECODER_INSTANCE_PATH=str(tmp_path / "instance"),
               CASECODER_SESSION_COOKIE_SECURE="0",  # the test talks plain HTTP to 127.0.0.1
               **extra)
    return env


def casecoder_args(*args: str) -> list[str]:
    if CASECODER.exists():
        return [str(CASECODER), *args]
    return [sys.executable, "-c", "from casecoder.cli import main; main()", *args]


class Server:
    """``casecoder serve --production`` in its own process group; ``kill()`` sends SIGKILL to all of it."""

    def __init__(self, db_url: str, tmp_path: Path, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"server-{self.port}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                casecoder_args("serve", "--production", "--workers", str(workers), "--port", str(self.port)),
                env=server_env(db_url, tmp_path), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not answer /healthz within {timeout} s:\n{self.output()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(15)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(db_url: str, workers: int = 3) -> Server:
        server = Server(db_url, tmp_path, workers)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.kill()


class Client:
    """One user's browser: a cookie jar, the CSRF token, JSON calls; returns (status, body) for every answer."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()

    def page_token(self, path: str) -> str:
        status, body = self.call("GET", path)
        match = CSRF_RE.search(body.decode("utf-8"))
        assert status == 200 and match, f"no CSRF token on {path} ({status})"
        self.token = match.group(1)
        return self.token

    def login(self, username: str, password: str) -> None:
        token = self.page_token("/auth/login")
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        status, _ = self.call("POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, f"login of {username} answered {status}"

    def json(self, method: str, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        status, body = self.call(method, path, json.dumps(payload).encode(),
                                 {"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode("utf-8", errors="replace")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# ---- a. concurrency ----

TEXT = "Interviewer: Hvordan gik det?\n\nInterviewperson: " + " ".join(
    f"Sætning {n:03d} om koordinatoren og hverdagen." for n in range(200)) + "\n"
USERS, PER_USER, PATCHES = 6, 8, 4


@POSTGRES
def test_concurrent_coders_on_one_source_lose_nothing(engine, session, start_server):
    f = Factory(session)
    owner = f.user("owner")
    project = f.project("conc", owner)
    source = f.source(project, [f.case(project)], text=TEXT)
    coders = [f.user(f"coder{i}") for i in range(USERS)]
    for coder in coders:
        accounts.add_member(session, project, coder, "coder")
    keys = list(session.scalars(select(Code.key).where(Code.project_id == project.id, Code.codable.is_(True),
                                                       Code.archived.is_(False)).order_by(Code.key)))[:USERS + 1]
    shared = f.excerpt(owner, source, "Sætning 199 om koordinatoren", [(f.code(project, keys[0]), "supports")])
    session.commit()
    session.close()
    server = start_server(engine.url.render_as_string(hide_password=False), workers=3)

    results: dict[int, list[tuple[str, int, Any]]] = {i: [] for i in range(USERS)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(USERS, timeout=60)

    def work(i: int) -> None:
        try:
            client = Client(server.base)
            client.login(f"coder{i}", PASSWORD)
            client.page_token("/p/conc/")
            barrier.wait()
            for j in range(PER_USER):
                start = (i * PER_USER + j) * 40 + 60
                status, body = client.json("POST", "/api/p/conc/excerpts", {
                    "source_id": source.id, "start": start, "end": start + 30,
                    "codes": [keys[i], {"code": keys[i + 1], "direction": "nuances"}]})
                results[i].append(("create", status, body))
                if j % (PER_USER // PATCHES) == 0:
                    status, body = client.json("PATCH", f"/api/p/conc/excerpts/{shared.id}",
                                               {"memo": f"coder{i} {j}", "codes": [keys[i + 1]]})
                    results[i].append(("patch", status, body))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a client hung"

    statuses = [(kind, status) for rows in results.values() for kind, status, _ in rows]
    failures = [s for s in statuses if s[1] >= 500]
    log = server.output()
    assert not failures, (f"{len(failures)} of {len(statuses)} calls answered 500; the server's first traceback:\n"
                          + log[log.find("Traceback"):][:4000])
    assert all(status == 201 for kind, status in statuses if kind == "create"), statuses
    assert all(status in (200, 409) for kind, status in statuses if kind == "patch"), statuses
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log

    session.expire_all()
    created = {body["id"]: i for i, rows in results.items() for kind, status, body in rows if kind == "create"}
    assert len(created) == USERS * PER_USER
    rows = session.execute(select(Excerpt.id, Code.key, Coding.direction, Coding.coder_id)
                           .join(Coding, Coding.excerpt_id == Excerpt.id).join(Code, Code.id == Coding.code_id)
                           .where(Excerpt.id.in_(created))).all()
    by_excerpt: dict[int, set[tuple[str, str, int]]] = {}
    for excerpt_id, key, direction, coder_id in rows:
        by_excerpt.setdefault(excerpt_id, set()).add((key, direction.value, coder_id))
    for excerpt_id, i in created.items():
        assert by_excerpt.get(excerpt_id) == {(keys[i], "supports", coders[i].id),
                                              (keys[i + 1], "nuances", coders[i].id)}, excerpt_id
    assert session.scalar(select(func.count(Excerpt.id)).where(Excerpt.source_id == source.id)) == len(created) + 1
    shared_codings = set(session.execute(select(Coding.coder_id, Code.key).join(Code)
                                         .where(Coding.excerpt_id == shared.id)).all())
    patched = {i for i, rows in results.items() if any(k == "patch" and s == 200 for k, s, _ in rows)}
    assert shared_codings == {(owner.id, keys[0])} | {(coders[i].id, keys[i + 1]) for i in patched}
    memo = session.scalar(select(Excerpt.memo).where(Excerpt.id == shared.id))
    assert memo in {body["memo"] for rows in results.values() for k, s, body in rows if k == "patch" and s == 200}


# ---- b. kill -9 in the middle of a bundle import ----

def fingerprint(engine: Engine) -> dict[str, str]:
    """Rows and a hash of every table's content, in an order that does not depend on storage."""
    out = {}
    names = [n for n in inspect(engine).get_table_names() if not n.startswith("sources_fts")]
    with engine.connect() as conn:
        for name in sorted(names):
            rows = sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"')))
            out[name] = f"{len(rows)} {hashlib.sha256(chr(10).join(rows).encode()).hexdigest()}"
    return out


@pytest.fixture(scope="module")
def bundle_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bundle of a generated project (81 transcripts, about 2,400 codings: importing it takes seconds)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite'}")
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            return zip_bytes(bundle_files(session, generate(session, "small", 7, bulk=True)))
    finally:
        engine.dispose()


def existing_data(session) -> None:  # type: ignore[no-untyped-def]
    """A coded project, and an empty project ``target`` owned by ``bench-owner`` to import the bundle into."""
    Factory(session).coded_project("other")
    owner = accounts.create_user(session, "bench-owner", PASSWORD)
    projects.create_project(session, "Target", "target", None, owner)
    session.commit()
    session.close()


def multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----casecoder" + uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: application/zip\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def import_writing(engine: Engine, db_url: str) -> bool:
    """Another process is writing: PostgreSQL: it holds a write lock on cases, sources or excerpts;
    SQLite: it holds the database's write lock (BEGIN IMMEDIATE fails at once)."""
    if db_url.startswith("sqlite"):
        probe = sqlite3.connect(str(engine.url.database), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc), exc
            return True
        finally:
            probe.close()
    schema = backup.target_of(db_url).schema
    with engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema "
            "AND c.relname IN ('cases', 'sources', 'excerpts') "
            "AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"), {"schema": schema}))


def wait_mid_import(engine: Engine, db_url: str, finished: threading.Event | subprocess.Popen, what: str) -> None:
    """Until the import is writing (and has not committed)."""
    done = finished.is_set if isinstance(finished, threading.Event) else (lambda: finished.poll() is not None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not done():
        if import_writing(engine, db_url):
            time.sleep(0.2)  # a little further into it
            break
        time.sleep(0.05)
    assert not done(), f"the {what} finished before it could be killed; make the bundle bigger"
    assert time.monotonic() < deadline, f"the {what} never started writing"


def test_kill_9_during_a_web_bundle_import_changes_nothing(engine, session, db_url, start_server, bundle_zip):
    existing_data(session)
    server = start_server(db_url, workers=2)
    if db_url.startswith("sqlite"):
        assert "Warning: the database is SQLite" in server.output()
    client = Client(server.base)
    client.login("bench-owner", PASSWORD)
    token = client.page_token("/p/target/import-bundle")
    before = fingerprint(engine)
    body, content_type = multipart({"csrf_token": token}, "file", "bundle.zip", bundle_zip)
    finished, outcome = threading.Event(), []

    def post() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            conn.request("POST", "/p/target/import-bundle", body,
                         {"Content-Type": content_type, "Cookie": client.cookie_header()})
            with conn.getresponse() as response:
                outcome.append(response.status)
                response.read()
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)
        finally:
            conn.close()
            finished.set()

    thread = threading.Thread(target=post)
    thread.start()
    try:
        wait_mid_import(engine, db_url, finished, "web import")
    finally:
        server.kill()
        thread.join(30)
    assert outcome and not isinstance(outcome[0], int), f"the import answered {outcome} before the kill"
    assert fingerprint(engine) == before
    target = session.scalar(select(Project).where(Project.slug == "target"))
    assert target is not None and not session.scalar(select(func.count(Code.id)).where(Code.project_id == target.id))


@POSTGRES
def test_kill_9_during_a_cli_bundle_import_changes_nothing(engine, session, db_url, tmp_path, bundle_zip):
    existing_data(session)
    file = tmp_path / "bundle.zip"
    file.write_bytes(bundle_zip)
    before = fingerprint(engine)
    proc = subprocess.Popen(casecoder_args("import-bundle", "target", str(file), "--user", "bench-owner"),
                            env=server_env(db_url, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_mid_import(engine, db_url, proc, "CLI import")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(15)
    assert proc.returncode == -signal.SIGKILL
    assert fingerprint(engine) == before


# ---- configuration of the production server ----

def test_production_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path)
    del env["CASECODER_SECRET_KEY"]
    result = subprocess.run(casecoder_args("serve", "--production", "--port", str(free_port())), env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "CASECODER_SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_proxy_fix_is_switched_on_by_the_environment(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from casecoder import create_app
    assert config.env_overrides({"CASECODER_PROXY_FIX": "1"}) == {"PROXY_FIX": True}
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}", "PROXY_FIX": True})
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 1)
