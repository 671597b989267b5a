"""A bundle: a folder with tidy data (CSV with BOM for Excel, JSON), a spec.json that says what
produced it (with a content hash of the data), a README.txt caption, and figures where there are any.

The same spec on unchanged data gives identical data files; only ``spec.json``'s time differs.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from .. import __version__


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over the data files' names and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def write_bundle(out: Path, data_files: dict[str, bytes], spec: dict[str, Any], readme: str,
                 figures: dict[str, bytes] | None = None) -> dict[str, Any]:
    """Write the bundle into ``out`` (created if needed); returns the spec written."""
    out.mkdir(parents=True, exist_ok=True)
    spec = {**spec, "casecoder_version": __version__, "data_sha256": content_hash(data_files),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for name, content in {**data_files, **(figures or {})}.items():
        (out / name).write_bytes(content)
    (out / "spec.json").write_bytes(json_bytes(spec))
    (out / "README.txt").write_text(readme, encoding="utf-8")
    return spec
