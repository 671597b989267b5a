"""CSV and JSON bytes as casecoder writes them: UTF-8 (CSV with a BOM), and every text cell that a
spreadsheet would run as a formula neutralised."""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)", "@SUM", "- ja") gets a
    leading apostrophe (OWASP, CSV injection); plain numbers such as "-1" stay. Every CSV casecoder
    writes goes through this; ``files/csv_tables.py`` takes the apostrophe off again. XLSX has no need of
    it: ``files/office.py`` writes such text as a text cell (quote prefix, no visible apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def json_bytes(data: Any) -> bytes:
    """``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)`` and a line end, in UTF-8 (written by
    ``files/json_text.dumps``, the same text faster)."""
    from casecoder.files.json_text import dumps
    return (dumps(data) + "\n").encode("utf-8")
