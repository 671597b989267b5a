"""``kill -9`` of the gunicorn master (#22): its workers notice and exit by themselves, so the port is free
and a new server starts on it at once (before, orphaned workers held the port for 30-35 s)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.server_helpers import Server, casecoder_args, server_env

pytestmark = pytest.mark.server
DEADLINE = 15  # seconds: generous on a loaded machine; the workers' own watch is 0.5 s


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie no longer holds the port


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from /proc")
def test_workers_exit_when_their_master_is_killed_and_a_restart_gets_the_port(db_url, engine, start_server,
                                                                              tmp_path):
    server = start_server(db_url, workers=2)
    deadline = time.monotonic() + DEADLINE  # preloaded, the first worker answers before the second is forked
    while len(workers := children(server.proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2, server.output()
    os.kill(server.proc.pid, signal.SIGKILL)  # the master only, as a crash or the OOM killer would
    server.proc.wait(15)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and (any(alive(w) for w in workers) or not port_free(server.port)):
        time.sleep(0.1)
    assert not [w for w in workers if alive(w)], "orphaned workers still run"
    assert port_free(server.port)
    again = server_on(db_url, tmp_path, server.port)
    try:
        again.wait_healthy()
        with urllib.request.urlopen(again.base + "/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        again.kill()


def server_on(db_url: str, tmp_path: Path, port: int) -> Server:
    """A production server on ``port`` (Server itself picks a free port)."""
    server = Server.__new__(Server)
    server.port, server.base, server.log = port, f"http://127.0.0.1:{port}", tmp_path / f"restart-{port}.log"
    with open(server.log, "wb") as out:
        server.proc = subprocess.Popen(
            casecoder_args("serve", "--production", "--workers", "1", "--port", str(port)),
            env=server_env(db_url, tmp_path), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return server
