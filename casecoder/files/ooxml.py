"""Byte-identical Office files (XLSX, DOCX): the same content always gives the same bytes.

openpyxl and python-docx stamp the save time into ``docProps/core.xml`` and into every zip
entry. ``deterministic_zip`` rewrites the package with a fixed time in both places.
"""
from __future__ import annotations

import io
import re
import zipfile

FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2000-01-01T00:00:00Z"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def deterministic_zip(data: bytes, replaced: dict[str, bytes] | None = None) -> bytes:
    """``data`` (a zip package) rewritten with fixed timestamps, entries in their original order; an entry
    named in ``replaced`` gets that content instead."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = replaced[info.filename] if replaced and info.filename in replaced else src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>" + FIXED_W3CDTF.encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def zip_files(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` (name -> bytes) in name order with fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, files[name])
    return out.getvalue()
