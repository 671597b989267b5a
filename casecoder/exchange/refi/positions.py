"""Text positions in REFI-QDA files: a leading BOM, and exports that count UTF-16 code units.

The standard counts Unicode code points from 0, after the BOM, line ends as stored (``\\r\\n`` is
two). NVivo for Windows counts UTF-16 code units instead, which differs after every character
outside the Basic Multilingual Plane (emoji). ``detect_utf16`` decides per source: never when the
text has no such character; yes when the origin is NVivo or some offset overruns the text in code
points; otherwise yes only when the UTF-16 reading is valid (no offset inside a surrogate pair) and
puts more selection boundaries on word boundaries than the code-point reading does.
"""
from __future__ import annotations

import re
from typing import Iterable

BOM = "\ufeff"


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith(BOM) else text


def decode_text(data: bytes) -> str:
    """A plain-text source file as stored: UTF-8 (BOM dropped), UTF-16 with a BOM, else cp1252; CRLF kept."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return strip_bom(data.decode("utf-8"))
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # characters outside the BMP: two UTF-16 code units


def has_astral(text: str) -> bool:
    return ASTRAL.search(text) is not None  # one scan in C (the import calls this per source, #25)


def utf16_length(text: str) -> int:
    return len(text) + len(ASTRAL.findall(text))


def utf16_to_codepoints(text: str) -> list[int | None]:
    """Index = UTF-16 offset, value = the code-point offset there (None inside a surrogate pair)."""
    table: list[int | None] = []
    for index, ch in enumerate(text):
        table.append(index)
        if ord(ch) > 0xFFFF:
            table.append(None)
    table.append(len(text))
    return table


def _boundary_score(text: str, positions: Iterable[int]) -> int:
    score = 0
    for p in positions:
        if p <= 0 or p >= len(text) or not (text[p - 1].isalnum() and text[p].isalnum()):
            score += 1
    return score


def detect_utf16(text: str, spans: list[tuple[int, int]], origin: str) -> bool:
    """Whether the offsets in ``spans`` into ``text`` count UTF-16 code units (see the module text)."""
    if not spans or not has_astral(text):
        return False
    table = utf16_to_codepoints(text)
    valid16 = all(0 <= s < len(table) and 0 <= e < len(table) and table[s] is not None and table[e] is not None
                  for s, e in spans)
    if origin.strip().lower().startswith("nvivo"):
        return valid16
    if any(e > len(text) for _s, e in spans):
        return valid16
    if not valid16:
        return False
    as16 = [table[p] for s, e in spans for p in (s, e)]
    as_cp = [p for s, e in spans for p in (s, e)]
    return _boundary_score(text, as16) > _boundary_score(text, as_cp)  # type: ignore[arg-type]


class Converter:
    """Converts many spans of one text with one table."""

    def __init__(self, text: str):
        self.table = utf16_to_codepoints(text)

    def __call__(self, start: int, end: int) -> tuple[int, int] | None:
        if not (0 <= start < len(self.table) and 0 <= end < len(self.table)):
            return None
        s, e = self.table[start], self.table[end]
        return None if s is None or e is None else (s, e)
