"""Smoke test of bench/server.py (benchmark 6): 2 coders for 3 seconds against gunicorn and PostgreSQL, on the
generator's tiny project, finish without errors and print the summary. No timing assertions. Without PostgreSQL the test is
skipped, except in CI (CI=true), where it fails (conftest.require_postgres)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import pg_base_url, require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.server


def test_two_clients_one_second_no_errors(tmp_path: Path) -> None:
    require_postgres()
    env = dict(os.environ, CASECODER_BENCH_DATABASE_URL=pg_base_url())
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "server.py"), "--clients", "2", "--seconds", "1",
                             "--workers", "2", "--size", "tiny", "--log", str(tmp_path / "server.log"),
                             "--json", str(tmp_path / "result.json")],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output + (tmp_path / "server.log").read_text(encoding="utf-8")[-3000:]
    assert "benchmark 6: 2 clients x 1.0 s against 2 gunicorn workers, postgresql tiny" in output
    assert "errors: none" in output
    assert "one per created answer: yes" in output
    for name in ("throughput", "p50", "p95", "p99"):
        assert name in output, name
