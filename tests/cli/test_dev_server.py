"""The development server (``casecoder serve`` without --production, cli/dev_server.py): its request threads
are reused from one connection to the next (#25), a request under way never holds up another, idle
threads end, and ``casecoder serve`` answers with it."""
from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from casecoder.cli import dev_server
from casecoder.cli.dev_server import PooledWSGIServer
from casecoder.cli.request_log import RequestHandler

DEADLINE = 10.0  # seconds: a bound for a loaded machine, not a measurement


def thread_id_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers with the native id of the thread that serves the request (never reused while threads live)."""
    body = str(threading.get_native_id()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


WAITING: list[str] = []  # the threads of the requests under way in waiting_app


def waiting_app(release: threading.Event) -> Any:
    """``/slow`` waits for ``release`` (noting its thread in WAITING); anything else answers at once."""
    WAITING.clear()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/slow":
            WAITING.append(str(threading.get_native_id()))
            release.wait(DEADLINE)
        return thread_id_app(environ, start_response)
    return app


@pytest.fixture
def server() -> Iterator[PooledWSGIServer]:
    server = PooledWSGIServer("127.0.0.1", 0, thread_id_app, handler=RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(DEADLINE)


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.01)


def served_by(server: PooledWSGIServer, path: str = "/") -> str:
    """One request on a new connection (Werkzeug closes each after its answer), answered by the thread's id."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=DEADLINE) as response:
        return str(response.read().decode())


def test_one_connection_after_another_is_served_by_the_same_thread(server):
    ids = []
    for _ in range(20):
        ids.append(served_by(server))
        wait_until(lambda: server.idle_threads() == 1)  # the thread is back, waiting for the next connection
    assert len(set(ids)) == 1
    assert ids[0] != str(threading.get_native_id())  # a request thread, not the test's


def test_requests_under_way_hold_their_threads_and_a_new_connection_still_gets_an_answer(server):
    release = threading.Event()
    server.app = waiting_app(release)
    answers: list[str] = []
    slow = [threading.Thread(target=lambda: answers.append(served_by(server, "/slow"))) for _ in range(3)]
    for thread in slow:
        thread.start()
    wait_until(lambda: len(WAITING) == 3)  # three requests under way, each in a thread of its own
    fourth = served_by(server, "/")  # answered while the three wait
    assert fourth not in WAITING and len(set(WAITING)) == 3
    release.set()
    for thread in slow:
        thread.join(DEADLINE)
    assert sorted(answers) == sorted(WAITING)
    wait_until(lambda: server.idle_threads() == 4)


def test_an_idle_thread_ends(server, monkeypatch):
    monkeypatch.setattr(dev_server, "IDLE_SECONDS", 0.1)
    before = threading.active_count()
    served_by(server)  # a new thread, since the fixture's server has none yet; it waits 0.1 s for more
    wait_until(lambda: server.idle_threads() == 0 and threading.active_count() == before)
    assert served_by(server)  # and a new one is started for the next connection


def test_casecoder_serve_answers_with_the_development_server(db_url, engine, start_server):
    server = start_server(db_url, workers=None)
    for _ in range(3):
        with urllib.request.urlopen(server.base + "/healthz", timeout=30) as response:
            assert response.status == 200
    assert "development server" in server.output()
    assert server.output().count('"GET /healthz HTTP/1.1" 200') >= 3
    # the answer leaves corked (TCP_CORK), uncorked once written: the client's first read holds all of it, headers
    # and body (uncorked, Werkzeug's writes were separate segments and the first read often had the headers alone)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = conn.recv(65536)
        assert first.startswith(b"HTTP/1.1 200") and first.rstrip().endswith(b'{"status":"ok"}'), first
