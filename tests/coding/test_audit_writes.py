"""Audit rows are written in one place: only ``coding/audit.py`` builds an ``AuditEvent`` (read from the
source with ``ast``, so a new module that writes its own rows fails here)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {Path("casecoder/coding/audit.py")}


def _builds_audit_event(node: ast.Call) -> bool:
    """``AuditEvent(...)``, ``models.AuditEvent(...)`` or ``AuditEvent.record(...)``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "AuditEvent"
    if isinstance(func, ast.Attribute):
        if func.attr == "AuditEvent":
            return True
        target = func.value
        named = (isinstance(target, ast.Name) and target.id == "AuditEvent") or \
                (isinstance(target, ast.Attribute) and target.attr == "AuditEvent")
        return named and func.attr == "record"
    return False


def audit_writers() -> list[str]:
    found = []
    for folder in ("casecoder", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            found += [f"{relative}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Call) and _builds_audit_event(node)]
    return found


def test_the_check_sees_a_writer():
    calls = [ast.parse(code).body[0].value for code in  # type: ignore[attr-defined]
             ("AuditEvent(action='x')", "AuditEvent.record(action='x')", "models.AuditEvent.record()",
              "select(AuditEvent)", "insert(AuditEvent)", "audit.log(s, None, 'x', 'y', 1, project_id=1)")]
    assert [_builds_audit_event(call) for call in calls] == [True, True, True, False, False, False]


def test_only_coding_audit_writes_audit_rows():
    assert audit_writers() == [], "write audit rows with casecoder.coding.audit.log/record"
