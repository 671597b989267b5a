"""The production server's memory (#25): a stopping worker ends without the interpreter's teardown (which
would copy every page it still shares with the master) but with its exit code and its database connections
closed; the master fills its heap's holes before a fork, so that a worker's allocations do not copy the
master's pages."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from casecoder.cli import serve

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")


def run_in_child(body) -> int:  # type: ignore[no-untyped-def]
    """Run ``body()`` in a forked child; its exit status (99 if it raised instead of exiting)."""
    pid = os.fork()
    if pid == 0:
        try:
            body()
        finally:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_stopping_worker_exits_with_its_code_and_closes_its_connections(tmp_path):
    from casecoder.app import create_app
    from casecoder.db import engine_of
    database = tmp_path / "w.sqlite"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}"})

    def worker() -> None:
        with engine_of(app).begin() as connection:  # a write: the WAL file exists while a connection is open
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        assert Path(f"{database}-wal").exists()
        try:
            sys.exit(3)  # as gunicorn's worker leaves: SystemExit, and worker_exit in a finally clause
        finally:
            serve._exit_now(None, SimpleNamespace(wsgi=app))

    assert run_in_child(worker) == 3
    assert not Path(f"{database}-wal").exists()  # the pooled connection was closed: the last close checkpoints
    assert serve.gunicorn_options("127.0.0.1", 8000, 3, 120, app)["worker_exit"] is serve._exit_now


HOLES_CHECK = """
import ctypes, ctypes.util, os
from casecoder.cli import serve
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
libc.malloc.restype, libc.mallinfo2.restype = ctypes.c_void_p, serve._MallInfo2
libc.free.argtypes = [ctypes.c_void_p]

def holes():
    info = libc.mallinfo2()
    return info.fordblks - info.keepcost

before = holes()
blocks = [libc.malloc(200) for _ in range(20_000)]
for block in blocks[::2]:  # ~2 MiB of holes between blocks still in use (some join older ones)
    libc.free(block)
made = holes()
serve._pre_fork(None, None)  # the development server's call: no fork follows, nothing filled
kept = holes()
serve._pre_fork(None, object())  # before a worker's fork
print(before, made, kept, holes())
os._exit(0 if made > before + 500_000 and kept > made - 50_000  # the collection may free, never fill
         and holes() < before + serve.HEAP_HOLE_SLACK else 1)
"""


@pytest.mark.skipif(not hasattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "mallinfo2"),
                    reason="glibc 2.33+")
def test_the_master_fills_the_holes_of_its_heap_before_a_fork():
    # in a new interpreter, as the server's master is: a test worker's heap carries every earlier test's history
    done = subprocess.run([sys.executable, "-c", HOLES_CHECK], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, (done.stdout, done.stderr)  # holes before, made, kept, after the fill


@pytest.mark.server
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="a real gunicorn")
def test_the_workers_stop_cleanly_on_sigterm(db_url, engine, start_server):
    server = start_server(db_url, workers=1)  # healthy: its one worker has booted and answered
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(60) == 0
    log = server.output()
    assert log.count("Worker exiting") == 1
    assert "exited with code" not in log and "Traceback" not in log, log
