"""``casecoder serve``'s development server: Werkzeug's, with its request threads kept for the next connection (#25).

Werkzeug's threaded server starts a new thread for every connection (``socketserver.ThreadingMixIn``): the
thread's start costs this machine ~0.1 ms, on every create the workbench sends. ``PooledWSGIServer`` hands a
new connection to a thread that is idle, and starts one only when none is: as many threads as connections are
served at once, as before (a slow request holds its thread, and no connection ever waits for another; Werkzeug
closes each connection after its answer), and a thread left idle for ``IDLE_SECONDS`` ends. The rest is
Werkzeug's ``BaseWSGIServer``.

An answer leaves in one piece (``TCP_CORK``, Linux), as from gunicorn (serve_worker.py): Werkzeug writes the
headers and the body with separate ``send`` calls, each a segment of its own; corked until Werkzeug flushes the
first write of the answer (the status line, headers and first body part: all of a JSON answer), they reach the
client together. Uncorking there, not after the request, matters: Werkzeug then waits up to 10 ms for the
client to close the connection (reading what is left of the request), which the client does once it has the
answer. A request that expects ``100 Continue`` is not corked (that interim answer must go at once).
"""
from __future__ import annotations

import queue
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

IDLE_SECONDS = 60.0  # an idle request thread ends after this long without a connection
CORK = getattr(socket, "TCP_CORK", None)  # Linux only


class PooledWSGIServer(BaseWSGIServer):
    """A threaded development server that reuses its idle request threads."""

    multithread = True  # WSGI's wsgi.multithread; Werkzeug's handler speaks HTTP/1.1 then

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler] | None = None) -> None:
        super().__init__(host, port, app, handler=handler)
        self._connections: queue.SimpleQueue[tuple[socket.socket, Any]] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)  # one permit per thread waiting for a connection

    def process_request(self, request: Any, client_address: Any) -> None:
        """Queue the connection for an idle thread; start a thread when none is idle."""
        if not self._idle.acquire(blocking=False):
            threading.Thread(target=self._serve_connections, name="request", daemon=True).start()
        self._connections.put((request, client_address))

    def idle_threads(self) -> int:
        """The request threads waiting for a connection."""
        return self._idle._value

    def _serve_connections(self) -> None:
        while True:
            try:
                request, client_address = self._connections.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                if self._idle.acquire(blocking=False):  # still counted idle: nobody has claimed this thread
                    return
                continue  # claimed just now: its connection is on the way
            try:
                self.finish_request(request, client_address)
            except Exception:  # as socketserver.ThreadingMixIn: report, close, serve the next one
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            self._idle.release()


class CorkedAnswer(WSGIRequestHandler):
    """A request handler whose answer is corked until Werkzeug flushes its first write (see above)."""

    def run_wsgi(self) -> None:
        if CORK is not None and not self.headers.get("Expect") and _cork(self.connection, 1):
            self.wfile = _UncorkOnFlush(self.wfile, self.connection)  # type: ignore[assignment]
        super().run_wsgi()


class _UncorkOnFlush:
    """The handler's ``wfile``: Werkzeug flushes it after each write of the answer (status line, headers and
    body go in the first); that flush uncorks the connection, before Werkzeug waits for the client to close it."""

    def __init__(self, wfile: Any, connection: socket.socket) -> None:
        self._wfile, self.write = wfile, wfile.write
        self._connection: socket.socket | None = connection

    def flush(self) -> None:
        self._wfile.flush()
        if self._connection is not None:
            _cork(self._connection, 0)  # sends what is held
            self._connection = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wfile, name)


def _cork(connection: socket.socket, on: int) -> bool:
    try:
        connection.setsockopt(socket.IPPROTO_TCP, CORK, on)  # type: ignore[arg-type]
        return True
    except OSError:  # not TCP, or the connection is gone
        return False


def run_development_server(host: str, port: int, app: Any, handler: type[WSGIRequestHandler]) -> None:
    """Serve ``app`` until Ctrl+C (``serve_forever`` closes the socket on KeyboardInterrupt), each answer corked."""
    corked = type(handler.__name__, (CorkedAnswer, handler), {})
    PooledWSGIServer(host, port, app, handler=corked).serve_forever()
