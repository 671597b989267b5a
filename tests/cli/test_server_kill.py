"""``kill -9`` in the middle of a bundle import, through the real server or the CLI, leaves the
database exactly as it was (#10): every table's rows are fingerprinted before and after."""
from __future__ import annotations

import hashlib
import http.client
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from unittest.mock import patch

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from bench.generate import SIZES, Size, generate
from casecoder.coding import accounts, projects
from casecoder.exchange.bundle_export import bundle_files, zip_bytes
from casecoder.models import Base, Code, Project, backup
from casecoder.models.engine import make_engine
from tests.factories import PASSWORD, Factory
from tests.server_helpers import POSTGRES, Client, casecoder_args, server_env

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("bundle_zip")]  # one worker generates the bundle once


# ---- b. kill -9 in the middle of a bundle import ----

def fingerprint(engine: Engine) -> dict[str, str]:
    """Rows and a hash of every table's content, in an order that does not depend on storage; not the
    import jobs (a killed web import leaves its job's row saying running, issue #25)."""
    out = {}
    names = [n for n in inspect(engine).get_table_names() if not n.startswith("sources_fts") and n != "import_jobs"]
    with engine.connect() as conn:
        for name in sorted(names):
            rows = sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"')))
            out[name] = f"{len(rows)} {hashlib.sha256(chr(10).join(rows).encode()).hexdigest()}"
    return out


@pytest.fixture(scope="session")  # not "module": xdist runs other modules in between, and it would be built again
def bundle_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bundle of a generated project: 27 cases, 81 transcripts of ~400 sentences, ~12,000 excerpts (the
    bulk import writes ~10,000 a second since issue #25: a smaller one is written before it can be killed)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite'}")
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session, patch.dict(SIZES, {"kill": Size(27, 150, 400)}):
            return zip_bytes(bundle_files(session, generate(session, "kill", 7, bulk=True)))
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
            time.sleep(0.05)  # a little further into it
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
    body, content_type = multipart({"csrf_token": token, "add_coders": "y"}, "file", "bundle.zip", bundle_zip)
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
    proc = subprocess.Popen(casecoder_args("import-bundle", "target", str(file), "--user", "bench-owner",
                                           "--add-coders"),
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
