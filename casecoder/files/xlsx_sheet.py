"""A worksheet's cells as the ``<sheetData>`` XML openpyxl 3.1 writes for them, made as text in one pass.

openpyxl makes a cell object per value, and its writer an lxml element per cell: a quote bank of 35,000 rows
(450,000 cells) took ~7 s of CPU (issue #25). ``SheetData`` writes the same XML as strings: typed cells
(numbers as numbers, text as inline strings, openpyxl's error codes as errors), a style index per cell in
the order the cells first use it (as openpyxl numbers its cell formats when it saves), empty cells only when
they carry a style. Text is checked and cut as openpyxl does (``check_string``: at most 32,767 characters,
no control characters) and escaped as lxml escapes it. ``files/office.xlsx_bytes`` puts it into a workbook
openpyxl made without the cells (tests/files/test_office.py compares the bytes with openpyxl's own cells).
"""
from __future__ import annotations

import math
import re
from typing import Sequence

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from casecoder.files.tabular import FORMULA_START, neutralise

MAX_TEXT = 32767  # Excel's longest cell text; openpyxl cuts a longer one
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")  # what lxml refuses besides openpyxl's control characters
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # both, in one search of a row
_RUNS = frozenset(c[0] for c in FORMULA_START)  # the first characters ``neutralise`` looks at
Style = tuple[str, bool]  # (kind: "" / "header" / "wrapped" / "note", quote prefix)


def _check(value: str) -> None:
    """openpyxl's refusal of control characters, and lxml's of what XML cannot hold."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
    if _NOT_XML.search(value):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")


def _text(value: str) -> str:
    """An inline string's ``<t>`` as lxml writes it: &, <, > and a carriage return escaped, spaces kept (the
    text is checked by ``_check``, a row at a time)."""
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return f"<t{space}>{value}</t>"


class SheetData:
    """The rows of one sheet, appended as ``worksheet.append`` would, each cell with a style kind."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.styles: list[Style] = []      # in the order of first use; index + 1 is the cell's ``s``
        self._ids: dict[Style, str] = {}
        self.row = 0                       # the last row written
        self.min_row = self.max_row = self.min_col = self.max_col = 0
        self._letters: list[str] = []

    def _s(self, style: Style) -> str:
        if style == ("", False):
            return ""
        ref = self._ids.get(style)
        if ref is None:
            self.styles.append(style)
            ref = self._ids[style] = f' s="{len(self.styles)}"'
        return ref

    def _cell(self, ref: str, value: object, kind: str) -> str:
        if value is None:  # openpyxl leaves out an empty cell without a style
            return f'<c r="{ref}"{self._s((kind, False))} t="n"></c>' if kind else ""
        if value is True or value is False:
            return f'<c r="{ref}"{self._s((kind, False))} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            number = "" if math.isnan(value) or math.isinf(value) else "%.16g" % value
            return f'<c r="{ref}"{self._s((kind, False))} t="n"><v>{number}</v></c>'
        text = str(value)
        # text a spreadsheet would run is a text cell with Excel's quote prefix (no apostrophe in it)
        quote = text[:1] in _RUNS and (text[0] == "=" or (isinstance(value, str) and neutralise(value) != value))
        text = text[:MAX_TEXT]
        if not quote and text in ERROR_CODES:
            return f'<c r="{ref}"{self._s((kind, False))} t="e"><v>{text}</v></c>'
        style = self._s((kind, quote))
        if not text:
            return f'<c r="{ref}"{style} t="inlineStr"></c>'
        return f'<c r="{ref}"{style} t="inlineStr"><is>{_text(text)}</is></c>'

    def append(self, values: Sequence[object], kind: str = "", width: int = 0) -> None:
        """A row after the last; ``kind`` styles its cells, and with ``width`` empty styled cells fill it
        to that many columns (a wrapped row's alignment)."""
        self.row += 1
        columns = max(len(values), width)
        if not columns:
            return
        while len(self._letters) < columns:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        row, padded = str(self.row), list(values) + [None] * (columns - len(values))
        out, ids = [], self._ids
        for letter, value in zip(self._letters, padded):
            if value.__class__ is str and value and value[0] not in _RUNS and len(value) <= MAX_TEXT \
                    and value not in ERROR_CODES:  # most cells: a plain text, written here without a call
                style = ids.get((kind, False)) or self._s((kind, False))
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                out.append(f'<c r="{letter}{row}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>')
            else:
                out.append(self._cell(letter + row, value, kind))
        cells = "".join(out)
        if _REFUSED.search(cells):  # (the markup has none)
            for value in padded:
                if isinstance(value, str) or not isinstance(value, (int, float, type(None))):
                    _check(str(value)[:MAX_TEXT])
        self.parts.append(f'<row r="{row}">{cells}</row>')
        self.min_row = self.min_row or self.row
        self.max_row, self.min_col, self.max_col = self.row, 1, max(self.max_col, columns)

    def dimension(self) -> str:
        """The sheet's ``<dimension ref>``, as openpyxl's ``calculate_dimension`` gives it."""
        if not self.max_row:
            return "A1:A1"
        return f"A{self.min_row}:{get_column_letter(self.max_col)}{self.max_row}"

    def xml(self) -> str:
        return "".join(self.parts)
