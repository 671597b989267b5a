"""Gunicorn's sync worker, woken alone for a new connection (#25): ``ExclusiveSyncWorker``.

Gunicorn's sync workers all wait in ``select()`` on the one listening socket, so the kernel wakes every
idle worker for each new connection; one accepts it and the others find nothing (``EAGAIN``) and go back to
waiting. With the default three workers on two CPUs those two needless wake-ups a request compete with the
worker that answers, the client and the database. Here each worker waits in its own ``epoll`` with
``EPOLLEXCLUSIVE`` (Linux 4.5+), which wakes one waiter of those registered that way per new connection.
Everything else is gunicorn's: the accept loop, the heartbeat on every wait (``notify``), the signal pipe
(registered without the flag: every worker must see its own), timeouts and shutdown.

An answer leaves in one piece (``TCP_CORK``, Linux): gunicorn writes the status line and headers and then the
body with two ``sendall`` calls, and with ``TCP_NODELAY`` (gunicorn's) each is a segment of its own that wakes
the client. Corked, the kernel holds partial segments until the worker closes the connection (the sync worker
closes each one after its answer: ``shutdown`` sends what is held with the FIN), so a JSON answer, its headers
and the end of the connection reach the client together. A request that expects ``100 Continue`` is not corked
(that interim answer must go at once); large answers still leave in full segments as they are written.

A worker that has just answered usually takes the same client's next request too, but the kernel often runs
that client on the worker's CPU as soon as the answer leaves, so the worker reaches its ``epoll`` again only
after the client has connected anew, and the kernel has woken another, idle worker: one create in three went to
a second worker whose caches and database connection were colder (~0.3 ms slower each; one worker alone
answered a run of creates ~4 % faster, #25). So a worker woken for a connection within ``HANDOFF_WINDOW``
of another worker's answer first waits ``HANDOFF_GRACE`` and leaves the connection to that worker if it takes
it meanwhile (the accept is atomic: one of them gets it). Which worker answered last, and when, is one small
anonymous mapping shared by the forked workers (``_LAST``). Connections that come while every worker is busy
are not delayed: a busy worker has not just answered.

``worker_class()`` names this class where ``select.EPOLLEXCLUSIVE`` exists and gunicorn's own sync worker
elsewhere.
"""
from __future__ import annotations

import errno
import mmap
import os
import select
import socket
import struct
import time
from typing import Any

from gunicorn.workers.sync import StopWaiting, SyncWorker

SYNC = "sync"  # gunicorn's own
CORK = getattr(socket, "TCP_CORK", None)  # Linux only
HANDOFF_WINDOW = 0.001  # seconds after another worker's answer in which a new connection is left to it ...
HANDOFF_GRACE = 0.0003  # ... for this long
_LAST = mmap.mmap(-1, struct.calcsize("qd"))  # (pid, monotonic time) of the last answer; shared across the fork


def worker_class() -> str:
    """The gunicorn ``worker_class`` setting for this platform."""
    if hasattr(select, "epoll") and hasattr(select, "EPOLLEXCLUSIVE"):
        return f"{__name__}.ExclusiveSyncWorker"
    return SYNC


class ExclusiveSyncWorker(SyncWorker):
    """``SyncWorker`` whose wait for a connection wakes this worker alone (``EPOLLEXCLUSIVE``)."""

    _poller: Any = None
    _ready: dict[int, Any]

    def _poll(self) -> Any:
        """This worker's epoll (made after the fork: the listeners exclusive, the signal pipe not)."""
        if self._poller is None:
            poller = select.epoll()
            self._ready = {}
            for listener in self.sockets:
                poller.register(listener.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
                self._ready[listener.fileno()] = listener
            poller.register(self.PIPE[0], select.EPOLLIN)
            self._ready[self.PIPE[0]] = self.PIPE[0]
            self._poller = poller
        return self._poller

    def wait(self, timeout: float) -> list[Any] | None:
        """As ``SyncWorker.wait``: the listeners (and the pipe) ready within ``timeout`` seconds."""
        try:
            self.notify()
            ready = [self._ready[fd] for fd, _events in self._poll().poll(timeout)]
            if self.PIPE[0] in ready:
                os.read(self.PIPE[0], 1)
            elif ready and _another_just_answered():
                time.sleep(HANDOFF_GRACE)  # then gunicorn's accept finds the connection, or that it was taken
            return ready
        except OSError as exc:
            if exc.errno == errno.EINTR:
                return list(self.sockets)
            if exc.errno == errno.EBADF:
                if self.nr < 0:
                    return list(self.sockets)
                raise StopWaiting from exc
            raise

    def handle_request(self, listener: Any, req: Any, client: Any, addr: Any) -> Any:
        """As ``SyncWorker.handle_request``, with the connection corked (see above) unless the request expects
        ``100 Continue``: its answer and the connection's end leave together when gunicorn closes it."""
        if CORK is not None and not any(name == "EXPECT" for name, _value in req.headers):
            try:
                client.setsockopt(socket.IPPROTO_TCP, CORK, 1)
            except OSError:  # not TCP (a Unix socket): nothing to hold back
                pass
        try:
            return super().handle_request(listener, req, client, addr)
        finally:  # before the answer leaves (corked until gunicorn closes the connection)
            struct.pack_into("qd", _LAST, 0, os.getpid(), time.monotonic())


def _another_just_answered() -> bool:
    """Whether another worker answered within ``HANDOFF_WINDOW`` (and so will soon wait for connections)."""
    pid, at = struct.unpack_from("qd", _LAST, 0)
    return pid not in (0, os.getpid()) and time.monotonic() - at < HANDOFF_WINDOW
