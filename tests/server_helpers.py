"""A real server for the tests: ``casecoder serve --production`` (gunicorn) as a subprocess in its own
process group on a free port (``Server``; the ``start_server`` fixture in conftest.py kills it afterwards), and ``Client``, one user's browser
(stdlib ``urllib`` with a cookie jar and real CSRF tokens)."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
CASECODER = Path(sys.executable).with_name("casecoder")
POSTGRES = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASECODER_") or k == "CASECODER_REFI_SCHEMAS"}
    env.update(CASECODER_DATABASE_URL=db_url, CASECODER_SECRET_KEY="server-test-" + uuid.uuid4().hex,
               CASECODER_INSTANCE_PATH=str(tmp_path / "instance"),
               CASECODER_SESSION_COOKIE_SECURE="0",  # the test talks plain HTTP to 127.0.0.1
               **extra)
    return env


def casecoder_args(*args: str) -> list[str]:
    if CASECODER.exists():
        return [str(CASECODER), *args]
    return [sys.executable, "-c", "from casecoder.cli import main; main()", *args]


class Server:
    """``casecoder serve --production`` (``workers`` None: the development server) in its own process group;
    ``kill()`` sends SIGKILL to all of it."""

    def __init__(self, db_url: str, tmp_path: Path, workers: int | None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"server-{self.port}.log"
        production = ["--production", "--workers", str(workers)] if workers is not None else []
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                casecoder_args("serve", *production, "--port", str(self.port)),
                env=server_env(db_url, tmp_path), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        pytest.fail(f"the server did not answer /healthz within {timeout} s:\n{self.output()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(15)


class Client:
    """One user's browser: a cookie jar, the CSRF token, JSON calls; returns (status, body) for every answer."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()

    def page_token(self, path: str) -> str:
        status, body = self.call("GET", path)
        match = CSRF_RE.search(body.decode("utf-8"))
        assert status == 200 and match, f"no CSRF token on {path} ({status})"
        self.token = match.group(1)
        return self.token

    def login(self, username: str, password: str) -> None:
        token = self.page_token("/auth/login")
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        status, _ = self.call("POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, f"login of {username} answered {status}"

    def json(self, method: str, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        status, body = self.call(method, path, json.dumps(payload).encode(),
                                 {"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode("utf-8", errors="replace")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
