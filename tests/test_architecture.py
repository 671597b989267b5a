"""The layers of docs/ARCHITECTURE.md hold: import-linter's contracts (pyproject.toml), ruff, and no Flask
loaded by the domain packages."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    done = _run(str(BIN / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


def test_ruff_is_clean():
    done = _run(str(BIN / "ruff"), "check", "--no-cache", "casecoder", "tests", "bench", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_domain_loads_no_flask():
    code = ("import sys, casecoder.models, casecoder.analysis.tally, casecoder.coding.excerpts, "
            "casecoder.export.report, casecoder.exchange.refi.qdpx_read, casecoder.figures.report\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel', 'flask_login', 'flask_wtf'))\n"
            "assert not loaded, loaded")
    done = _run(sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
