"""CSV tables as users upload them, and the problems found in them. No Flask, no database.

A table is UTF-8 with or without a byte-order mark; its first line names the columns, separated by
``,`` or ``;`` (told from that line). ``read_table`` gives the rows with the line each starts on and
every cell stripped of surrounding white space (``quote`` is kept exactly; its ``\\r\\n`` become ``\\n``;
a cell written neutralised, ``'=...``, loses its apostrophe). The tables come from a ``Bundle``: files by
relative POSIX path. Every problem is a ``Problem`` (file, line, column, InvalidInput); ``BundleProblems``
carries all of them at once and lists each as "{file}, line {line}, column {column}: {message}".
``infer_type`` tells an attribute column's type from its values; ``split_keys`` splits ``a; b``.
A table has at most ``MAX_COLUMNS`` columns; a cell (the header's too) at most ``MAX_CELL`` characters,
``MAX_LONG_CELL`` in the free-text columns (``LONG_COLUMNS``), and never a NUL character.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from casecoder.files.tabular import FORMULA_START
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.vocabulary import AttributeType

DELIMITERS = (",", ";")
INT_RE = re.compile(r"^-?(0|[1-9][0-9]*)$")  # no leading zeros: "007" stays text
NUMBER_RE = re.compile(r"^-?(0|[1-9][0-9]*)([.,][0-9]+)?$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
BOOLEAN = {"true", "false", "yes", "no", "ja", "nej"}
MAX_COLUMNS = 200
MAX_CELL = 10_000  # characters of one cell (and of one column name)
MAX_LONG_CELL = 100_000  # ... of a quote, memo or description (below the csv module's 131,072)
LONG_COLUMNS = frozenset({"quote", "memo", "description", "description_en"})

AT_CELL = N_("{file}, line {line}, column {column}: {message}")
AT_LINE = N_("{file}, line {line}: {message}")
AT_FILE = N_("{file}: {message}")


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (line and column may be unknown) and what it is."""
    file: str
    line: int | None
    column: str | None  # "3 (case_key)": position and name; or just the name of a missing column
    error: InvalidInput

    def render(self, translate: Callable[[str], str] = str) -> str:
        template = AT_CELL if self.column and self.line else AT_LINE if self.line else AT_FILE
        return translate(template).format(file=self.file, line=self.line, column=self.column,
                                          message=self.error.render(translate))


class BundleProblems(InvalidInput):
    """A bundle has problems; nothing was stored. ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("{n}", "bundle", n=len(self.problems))

    def render(self, translate: Callable[[str], str] = str) -> str:
        head = translate(N_("The bundle was not imported; it has {n} problem(s):")).format(n=len(self.problems))
        return "\n".join([head, *(p.render(translate) for p in self.problems)])


class Problems(list[Problem]):
    """Problems collected while reading and checking a bundle."""

    def add(self, file: str, line: int | None, column: str | None, error: InvalidInput) -> None:
        self.append(Problem(file, line, column, error))

    def at(self, row: "Row", column: str, error: InvalidInput) -> None:
        self.add(row.file, row.line, row.label(column), error)

    def attempt(self, row: "Row", column: str, check: Callable[..., object], *args: object) -> tuple[bool, object]:
        """Run ``check(*args)``; on InvalidInput record it at ``row``/``column``. Returns (ok, value).
        ``BundleProblems`` (the bundle itself is refused, e.g. a damaged zip entry) is raised on."""
        try:
            return True, check(*args)
        except BundleProblems:
            raise
        except InvalidInput as exc:
            self.at(row, column, exc)
            return False, None

    def raise_any(self) -> None:
        if self:
            raise BundleProblems(self)


# -- the files tables are read from ---------------------------------------------------------------

@dataclass
class Bundle:
    """Files by relative POSIX path (a project bundle, or one uploaded CSV); ``read`` gives their bytes,
    None for a file that is not there."""
    files: dict[str, Callable[[], bytes]]

    def read(self, name: str) -> bytes | None:
        opener = self.files.get(name)
        return opener() if opener else None


# -- one CSV table ---------------------------------------------------------------------------------

@dataclass
class Row:
    file: str
    line: int  # the line the row starts on (a quoted cell may span lines)
    cells: dict[str, str]
    positions: dict[str, int] = field(repr=False)

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def label(self, column: str) -> str:
        position = self.positions.get(column)
        return f"{position} ({column})" if position else column


@dataclass
class Table:
    file: str
    present: bool
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def label(self, column: str) -> str:
        return f"{self.columns.index(column) + 1} ({column})" if column in self.columns else column


def read_table(bundle: Bundle, file: str, required: tuple[str, ...], optional: tuple[str, ...],
               problems: Problems, *, extra_columns: bool = False) -> Table:
    """Read ``file`` of ``bundle``: an absent file is an empty table; other columns are refused
    unless ``extra_columns`` (cases.csv's attributes)."""
    data = bundle.read(file)
    if data is None:
        return Table(file, present=False)
    table = Table(file, present=True)
    try:
        text = data.decode("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.add(file, line, None, InvalidInput("The file is not UTF-8 text (byte {byte} of this line)",
                                                    "file", byte=exc.start - data.rfind(b"\n", 0, exc.start)))
        return table
    header_line = text.split("\n", 1)[0]
    try:
        counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in DELIMITERS}
    except csv.Error:  # a name over the csv module's own limit (131,072 characters)
        counts = {d: header_line.count(d) + 1 for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] < 2:
        problems.add(file, 1, None, InvalidInput(
            "The first line must name the columns, separated by ',' or ';'", "file"))
        return table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        table.columns = [c.strip() for c in next(reader)]
        if not _check_size(table, table.columns, 1, problems) or \
                not _check_header(table, required, optional, extra_columns, problems):
            return table
        positions = {name: i + 1 for i, name in enumerate(table.columns)}
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells) or not _check_size(table, cells, start, problems):
                continue
            _row(table, cells, start, positions, problems)
    except csv.Error:  # a cell over the csv module's own limit (131,072 characters)
        problems.add(file, line, None, InvalidInput(
            "A cell is longer than {max_len} characters", "file", max_len=MAX_LONG_CELL))
    return table


def _check_size(table: Table, cells: list[str], line: int, problems: Problems) -> bool:
    """The header: at most ``MAX_COLUMNS`` names; any line: no cell longer than its limit or holding NUL."""
    if line == 1 and len(cells) > MAX_COLUMNS:
        problems.add(table.file, line, None, InvalidInput(
            "The first line names {n} columns; a table may have at most {limit}", "file", n=len(cells),
            limit=MAX_COLUMNS))
        return False
    if (not cells or max(map(len, cells)) <= MAX_CELL) and "\x00" not in "".join(cells):
        return True  # every cell within the smaller limit and without NUL: nothing to report
    ok = True
    for position, cell in enumerate(cells, 1):
        name = table.columns[position - 1] if line > 1 and position <= len(table.columns) else ""
        limit = MAX_LONG_CELL if name in LONG_COLUMNS else MAX_CELL
        where = f"{position} ({name})" if name else str(position)
        if len(cell) > limit:
            problems.add(table.file, line, where, InvalidInput(
                "The cell is {n} characters long; at most {max_len} are allowed", "file", n=len(cell),
                max_len=limit))
            ok = False
        elif "\x00" in cell:
            problems.add(table.file, line, where, InvalidInput(
                "The cell holds a NUL character (U+0000), which is not text", "file"))
            ok = False
    return ok


def _row(table: Table, cells: list[str], start: int, positions: dict[str, int], problems: Problems) -> None:
    if any(c.strip() for c in cells[len(table.columns):]):
        problems.add(table.file, start, None, InvalidInput("This line has {n} cells, but the first line names {m} "
                                                           "columns", "file", n=len(cells), m=len(table.columns)))
        return
    values = {name: _cell(name, cells[i] if i < len(cells) else "") for i, name in enumerate(table.columns)}
    table.rows.append(Row(table.file, start, values, positions))


def _cell(column: str, value: str) -> str:
    if not value:
        return value
    if value[0] == "'" and value[1:2] in FORMULA_START:  # written neutralised by files/tabular.py
        value = value[1:]
    if column == "quote":  # matched against the transcript's text as it is
        return value.replace("\r\n", "\n")
    if value.isascii():  # NFC already
        return value.strip()
    return unicodedata.normalize("NFC", value.strip())  # keys and their references as validate.key stores them


def _check_header(table: Table, required: tuple[str, ...], optional: tuple[str, ...], extra_columns: bool,
                  problems: Problems) -> bool:
    ok = True
    seen: set[str] = set()
    for position, name in enumerate(table.columns, 1):
        where = f"{position} ({name})"
        if name in seen:
            problems.add(table.file, 1, where, InvalidInput("The column '{name}' appears twice", "file", name=name))
            ok = False
        elif not name or (not extra_columns and name not in required + optional):
            problems.add(table.file, 1, where, InvalidInput("Unknown column '{name}'; the columns are: {allowed}",
                                                            "file", name=name,
                                                            allowed=", ".join(required + optional)))
            ok = False
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.add(table.file, 1, name, InvalidInput("The required column '{name}' is missing", "file",
                                                           name=name))
            ok = False
    return ok


def split_keys(value: str) -> list[str]:
    """``a; b;c`` -> ['a', 'b', 'c'] (empty parts dropped)."""
    return [part.strip() for part in value.split(";") if part.strip()]


# -- cell values -----------------------------------------------------------------------------------

def infer_type(values: list[str]) -> AttributeType:
    """The narrowest attribute type that every (non-empty) value of a column fits; text if none."""
    for type_, fits in ((AttributeType.INTEGER, INT_RE.match), (AttributeType.NUMBER, NUMBER_RE.match),
                        (AttributeType.BOOLEAN, lambda v: v.lower() in BOOLEAN), (AttributeType.DATE, _is_date)):
        if values and all(fits(v) for v in values):
            return type_
    return AttributeType.TEXT


def _is_date(value: str) -> bool:
    try:
        return bool(DATE_RE.match(value)) and bool(validate.iso_date(value))
    except InvalidInput:
        return False


