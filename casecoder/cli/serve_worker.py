"""Gunicorn's sync worker, woken alone for a new connection (#25): ``ExclusiveSyncWorker``.

Gunicorn's sync workers all wait in ``select()`` on the one listening socket, so the kernel wakes every
idle worker for each new connection; one accepts it and the others find nothing (``EAGAIN``) and go back to
waiting. With the default three workers on two CPUs those two needless wake-ups a request compete with the
worker that answers, the client and the database. Here each worker waits in its own ``epoll`` with
``EPOLLEXCLUSIVE`` (Linux 4.5+), which wakes one waiter of those registered that way per new connection.
Everything else is gunicorn's: the accept loop, the heartbeat on every wait (``notify``), the signal pipe
(registered without the flag: every worker must see its own), timeouts and shutdown.

``worker_class()`` names this class where ``select.EPOLLEXCLUSIVE`` exists and gunicorn's own sync worker
elsewhere.
"""
from __future__ import annotations

import errno
import os
import select
from typing import Any

from gunicorn.workers.sync import StopWaiting, SyncWorker

SYNC = "sync"  # gunicorn's own


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
            return ready
        except OSError as exc:
            if exc.errno == errno.EINTR:
                return list(self.sockets)
            if exc.errno == errno.EBADF:
                if self.nr < 0:
                    return list(self.sockets)
                raise StopWaiting from exc
            raise
