"""gunicorn's worker (cli/serve_worker.py): a connection that comes just after another worker answered is left
to that worker for a moment (#25); otherwise the woken worker takes it at once."""
from __future__ import annotations

import logging
import os
import select
import socket
import struct
import time

import pytest

from casecoder.cli import serve_worker

pytestmark = pytest.mark.skipif(not hasattr(select, "EPOLLEXCLUSIVE"), reason="no EPOLLEXCLUSIVE here")


def _answered_by(pid: int, ago: float) -> None:
    struct.pack_into("qd", serve_worker._LAST, 0, pid, time.monotonic() - ago)


def test_only_another_workers_fresh_answer_counts():
    _answered_by(os.getpid() + 1, 0)
    assert serve_worker._another_just_answered()
    _answered_by(os.getpid(), 0)  # its own answer
    assert not serve_worker._another_just_answered()
    _answered_by(os.getpid() + 1, 2 * serve_worker.HANDOFF_WINDOW)  # long ago: that worker may be busy now
    assert not serve_worker._another_just_answered()
    _answered_by(0, 0)  # nobody has answered yet
    assert not serve_worker._another_just_answered()


def test_a_woken_worker_waits_the_grace_after_another_ones_answer(tmp_path):
    from gunicorn.config import Config
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        worker = serve_worker.ExclusiveSyncWorker(0, os.getppid(), [listener], None, 30, Config(), logging.getLogger())
        worker.PIPE = list(os.pipe())
        try:
            with socket.create_connection(listener.getsockname()):  # a connection waits to be accepted
                _answered_by(os.getpid() + 1, 0)
                started = time.monotonic()
                assert worker.wait(5) == [listener]
                assert time.monotonic() - started >= serve_worker.HANDOFF_GRACE
                _answered_by(0, 0)
                assert worker.wait(5) == [listener]  # at once (no grace: nothing to time here)
        finally:
            for end in worker.PIPE:
                os.close(end)
            worker.tmp.close()
