"""A bundle: tidy data (data.csv with BOM for Excel, data.xlsx, data.json), a spec.json that says
what produced it (with a content hash of the data), a README.txt caption, and figures, tables or
documents where there are any. Written as a folder or as one zip.

The same spec on unchanged data gives identical files; only ``spec.json``'s ``created_at`` differs.
The hash (``data_sha256``) is over data.csv and data.json, the numbers themselves.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from casecoder import __version__
from casecoder.figures.words import denominators_line, filters_text
from casecoder.files.ooxml import zip_files
from casecoder.files.tabular import csv_bytes, json_bytes
from casecoder.kernel.file_names import file_stem
from casecoder.kernel.translate import Translator

HASHED = ("data.csv", "data.json")


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over the data files' names and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def tidy_files(header: Sequence[str], rows: Sequence[Sequence[object]], data: Any,
               sheet: str = "data") -> dict[str, bytes]:
    """data.csv, data.xlsx (the same rows) and data.json."""
    from casecoder.files.office import xlsx_bytes
    return {"data.csv": csv_bytes(header, rows), "data.xlsx": xlsx_bytes(header, rows, sheet),
            "data.json": json_bytes(data)}


@dataclass
class Bundle:
    name: str                                  # base name for the folder or zip, e.g. "demo-tally-H1"
    files: dict[str, bytes]                    # data.*, figures, tables; not spec.json or README.txt
    spec: dict[str, Any]                       # what produced it (without version, hash and time)
    readme: str
    summary: str = ""                          # one line for the CLI
    extra_spec: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:  # a key in the name keeps its meaning in ASCII: "demo-tally-ÆR0" -> "...-AeR0"
        self.name = file_stem(self.name)

    @property
    def data_sha256(self) -> str:
        return content_hash({k: v for k, v in self.files.items() if k in HASHED})

    def full_spec(self, created_at: str | None = None) -> dict[str, Any]:
        return {**self.spec, "casecoder_version": __version__, "data_sha256": self.data_sha256,
                "data_files": sorted(k for k in self.files if k in HASHED),
                "created_at": created_at or datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def all_files(self, created_at: str | None = None) -> dict[str, bytes]:
        readme = self.readme.rstrip("\n") + f"\n\ndata sha256: {self.data_sha256}\n"
        return {**self.files, "spec.json": json_bytes(self.full_spec(created_at)), "README.txt": readme.encode()}

    def zip_bytes(self, created_at: str | None = None) -> bytes:
        return zip_files({f"{self.name}/{k}": v for k, v in self.all_files(created_at).items()})


def write_bundle(out: Path, bundle: Bundle) -> dict[str, Any]:
    """Write into the folder ``out`` (created if needed), or one zip if ``out`` ends in .zip.
    Returns the spec written."""
    files = bundle.all_files()
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(zip_files({f"{bundle.name}/{k}": v for k, v in files.items()}))
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out / name).write_bytes(content)
    return json.loads(files["spec.json"])


def provenance_lines(lang: str, denominators: dict[str, int], codebook: dict[str, Any], coders: Sequence[str],
                     params: Sequence[tuple[str, str]]) -> list[str]:
    """The lines every README and table note carries: unit, denominators, codebook, coders, filters."""
    t = Translator(lang)
    return [t.gettext("Unit: cases (families), not text segments."),
            denominators_line(denominators, lang),
            t.gettext("Codebook") + f": {codebook.get('name') or '—'} {codebook.get('sha256') or ''}".rstrip(),
            t.gettext("Coders") + ": " + (", ".join(coders) or "—"),
            t.gettext("Filters") + ": " + filters_text(params, lang)]


def base_spec(project: Any, kind: str, target: dict[str, Any], params: Sequence[tuple[str, str]], lang: str,
              denominators: dict[str, int], coders: Sequence[str]) -> dict[str, Any]:
    """The spec fields every kind shares; ``project`` is a models.Project."""
    filters: dict[str, list[str]] = {}
    for name, value in params:
        filters.setdefault(name, []).append(value)
    return {"project": project.slug, "kind": kind, "target": target, "filters": filters, "language": lang,
            "unit": "cases", "denominators": denominators, "coders": list(coders),
            "codebook": {"name": project.codebook_name, "sha256": project.codebook_sha256}}
