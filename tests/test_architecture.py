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


def test_web_views_build_no_queries():
    """casecoder/web/ parses, calls coding/analysis and renders: no SQLAlchemy import but its exceptions, no
    ``select()``/``text()``, no ``.execute``/``.scalars``/``.scalar``/``.query`` on a session."""
    import ast

    web = ROOT / "casecoder" / "web"
    found = []
    for path in sorted(web.rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import):
                found += [f"{where}:{line}: import {a.name}" for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy" \
                    and node.module != "sqlalchemy.exc":
                found.append(f"{where}:{line}: from {node.module} import ...")
            elif isinstance(node, ast.Call):
                call = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if call in ("select", "text", "execute", "scalars", "scalar", "query"):
                    found.append(f"{where}:{line}: {call}(...)")
    assert not found, "queries belong in casecoder/analysis (reads) or casecoder/coding (writes):\n" + "\n".join(found)


def test_mypy_is_clean_on_the_package():
    """pyproject.toml [tool.mypy] names every package, the web and CLI too: every function typed, no unused
    ``type: ignore``."""
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr
