"""``casecoder serve``'s development server: Werkzeug's, with its request threads kept for the next connection (#25).

Werkzeug's threaded server starts a new thread for every connection (``socketserver.ThreadingMixIn``): the
thread's start costs this machine ~0.1 ms, on every create the workbench sends. ``PooledWSGIServer`` hands a
new connection to a thread that is idle, and starts one only when none is: as many threads as connections are
served at once, as before (a slow request holds its thread, and no connection ever waits for another; Werkzeug
closes each connection after its answer), and a thread left idle for ``IDLE_SECONDS`` ends. The rest is
Werkzeug's ``BaseWSGIServer``.
"""
from __future__ import annotations

import queue
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

IDLE_SECONDS = 60.0  # an idle request thread ends after this long without a connection


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


def run_development_server(host: str, port: int, app: Any, handler: type[WSGIRequestHandler]) -> None:
    """Serve ``app`` until Ctrl+C (``serve_forever`` closes the socket on KeyboardInterrupt)."""
    PooledWSGIServer(host, port, app, handler=handler).serve_forever()
