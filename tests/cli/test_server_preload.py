"""The preloaded production server (#25): the master builds the app and imports the heavy libraries once,
the workers are forked from it and share those pages, and each worker opens its own database
connections (the master's pool is dropped in every new worker, and the master holds none)."""
from __future__ import annotations

import gc
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from casecoder.cli import serve
from tests.server_helpers import POSTGRES

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads processes from /proc")]
DEADLINE = 60  # seconds: a bound for a loaded machine, not a measurement


def workers_of(pid: int, count: int | None = None) -> list[int]:
    """The master's worker processes; with ``count``, once that many run (the first answers before the rest)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        found = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        if count is None or len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def database_sockets(pid: int, port: int) -> set[int]:
    """Inodes of ``pid``'s TCP sockets connected to ``port`` (the database server)."""
    remote = f":{port:04X}"
    connected = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[2].endswith(remote) and fields[3] == "01":  # ESTABLISHED
                connected.add(int(fields[9]))
    own = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            own.add(int(target[8:-1]))
    return own & connected


def test_the_production_options_preload_and_give_each_worker_a_fresh_pool(tmp_path):
    from casecoder.app import create_app
    from casecoder.db import engine_of
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    options = serve.gunicorn_options("127.0.0.1", 8000, 3, 120, app)
    assert options["preload_app"] is True and options["pre_fork"] is serve._pre_fork
    from casecoder.cli.serve_worker import worker_class
    assert options["worker_class"] == worker_class() in ("sync", "casecoder.cli.serve_worker.ExclusiveSyncWorker")
    engine = engine_of(app)
    with engine.connect():
        pass
    assert engine.pool.checkedin() == 1
    options["post_fork"](None, type("Worker", (), {"ppid": os.getppid()})())  # as in a new worker
    assert engine.pool.checkedin() == 0  # a new pool: the worker opens its own connections
    assert not serve.gunicorn_options("127.0.0.1", 8000, 3, 120, None)["preload_app"]
    if serve._malloc_trim() is not None:  # glibc: a costly request's freed heap goes back to the system
        assert options["post_request"] is serve._trim_heap
        serve._trim_heap(None, None, {}, None)


def test_a_worker_trims_its_heap_after_a_costly_request_and_after_every_64th(monkeypatch):
    trims: list[int] = []
    monkeypatch.setattr(serve, "_malloc_trim", lambda: trims.append)  # note each trim instead of trimming
    monkeypatch.setattr(serve, "_seen", {"cpu": time.thread_time(), "requests": 0})
    serve._trim_heap(None, None, {}, None)  # a cheap request: its few hundred KiB stay for the next one
    assert trims == []
    started = time.thread_time()
    while time.thread_time() - started < 2 * serve.TRIM_AFTER_CPU_SECONDS:  # a costly request
        sum(range(1000))
    serve._trim_heap(None, None, {}, None)
    assert trims == [0]
    for _ in range(serve.TRIM_EVERY - 3):  # requests 3 to 63: cheap
        serve._trim_heap(None, None, {}, None)
    assert trims == [0]
    serve._trim_heap(None, None, {}, None)  # the 64th
    assert trims == [0, 0]


def test_before_the_fork_the_collector_is_told_to_run_less_often():
    before = gc.get_threshold()
    try:
        serve._pre_fork(None, None)  # the development server's call (a worker's runs the same)
        assert gc.get_threshold() == serve.GC_THRESHOLD and serve.GC_THRESHOLD[0] > 10 * before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_default_worker_count_follows_cpus_and_memory():
    assert serve.default_workers(cpus=2, memory_mib=24_000) == 3
    assert serve.default_workers(cpus=64, memory_mib=256_000) == serve.MAX_DEFAULT_WORKERS
    assert serve.default_workers(cpus=8, memory_mib=1024) == 2  # half of 1 GiB at 256 MiB a worker
    assert serve.default_workers(cpus=4, memory_mib=300) == 1


def test_workers_share_the_libraries_the_master_loaded(db_url, engine, start_server):
    server = start_server(db_url, workers=2)
    master = server.proc.pid
    # fontTools' compiled extensions come with matplotlib's PDF backend, which only a figure export needs:
    # the master imported it before forking, and the workers have it before any request asked for it
    assert "fontTools" in maps(master)
    workers = workers_of(master, 2)
    assert len(workers) == 2
    for worker in workers:
        assert "fontTools" in maps(worker)


@POSTGRES
def test_two_workers_each_open_their_own_database_connections(db_url, engine, start_server):
    server = start_server(engine.url.render_as_string(hide_password=False), workers=2)
    master, port = server.proc.pid, engine.url.port or 5432
    workers = workers_of(master, 2)
    assert len(workers) == 2
    statuses: list[int] = []

    def ask() -> None:
        for _ in range(10):
            with urllib.request.urlopen(server.base + "/healthz", timeout=30) as response:  # a query each
                statuses.append(response.status)

    deadline = time.monotonic() + DEADLINE
    while not statuses or not all(database_sockets(w, port) for w in workers) and time.monotonic() < deadline:
        threads = [threading.Thread(target=ask) for _ in range(6)]  # concurrent: both workers accept
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert statuses and set(statuses) == {200}
    sockets = {w: database_sockets(w, port) for w in workers}
    assert all(sockets.values()), sockets  # both workers served requests with a connection of their own
    assert not sockets[workers[0]] & sockets[workers[1]]  # none inherited, none shared
    assert not database_sockets(master, port)  # the master keeps no connection to hand down
    log = server.output()
    assert "Traceback" not in log and workers_of(master) == workers  # no worker crashed and was replaced


def wakeups(pid: int) -> int:
    """How often ``pid``'s main thread has gone to sleep and been woken (voluntary context switches)."""
    for line in Path(f"/proc/{pid}/task/{pid}/status").read_text().splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    raise AssertionError(f"no context switches in /proc/{pid}/task/{pid}/status")


def test_a_new_connection_wakes_one_idle_worker_not_all_of_them(db_url, engine, start_server):
    """Gunicorn's own sync workers all wake in select() for each connection and all but one go back to sleep
    (EAGAIN); ExclusiveSyncWorker's epoll with EPOLLEXCLUSIVE wakes one. 200 requests one after the other
    with three idle workers: gunicorn's own wakes each of them for each request (>= 200 times each; 202-446
    seen); here the kernel wakes the first waiting worker, so the last in line is hardly ever woken (15-18 seen)."""
    from casecoder.cli.serve_worker import worker_class
    if worker_class() == "sync":
        pytest.skip("no EPOLLEXCLUSIVE here: gunicorn's own sync worker")
    server = start_server(db_url, workers=3)
    workers = workers_of(server.proc.pid, 3)
    assert len(workers) == 3
    with urllib.request.urlopen(server.base + "/static/casecoder.css", timeout=30) as response:
        assert response.status == 200
    before = {w: wakeups(w) for w in workers}
    for _ in range(200):  # a static file: no database wait in the answering worker
        with urllib.request.urlopen(server.base + "/static/casecoder.css", timeout=30) as response:
            response.read()
    woken = sorted(wakeups(w) - before[w] for w in workers)
    assert woken[0] < 100, woken
    # and the answer leaves corked (TCP_CORK): status line, headers, body and the connection's end arrive
    # together, so the client's first read holds the whole answer (uncorked, gunicorn's two writes were two
    # segments and the first read usually returned the headers alone)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        first = conn.recv(65536)
        assert first.startswith(b"HTTP/1.1 200") and first.rstrip().endswith(b'{"status":"ok"}'), first
        assert conn.recv(65536) == b""


@POSTGRES
def test_each_worker_opens_its_connections_before_its_first_request(db_url, engine, start_server):
    """``db.open_connections`` in gunicorn's post_worker_init: every worker holds a connection of each engine
    (the requests' and the one-statement create's) before any request asks for one, so the first create a
    worker answers does not wait for two connections and the driver's first-connect queries (#25). Only the
    health check has been asked, of one worker, and it needs one connection."""
    server = start_server(engine.url.render_as_string(hide_password=False), workers=2)
    master, port = server.proc.pid, engine.url.port or 5432
    workers = workers_of(master, 2)
    assert len(workers) == 2
    deadline = time.monotonic() + DEADLINE
    while not all(len(database_sockets(w, port)) >= 2 for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(len(database_sockets(w, port)) == 2 for w in workers), {w: database_sockets(w, port) for w in workers}
    assert not database_sockets(master, port)


def test_a_database_out_of_reach_at_start_is_left_to_the_first_request(tmp_path, caplog):
    from casecoder.app import create_app
    from casecoder.db import open_connections
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'p.sqlite'}"})
    with caplog.at_level("WARNING"):
        open_connections(app)  # no exception: a worker starts, the first request reports the database
    assert "could not be reached" in caplog.text
    reachable = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    open_connections(reachable)
    from casecoder.db import engine_of
    assert engine_of(reachable).pool.checkedin() == 1
