"""Reading a project bundle: its files (a folder or a .zip), its CSV tables and their cells. No Flask, no database.

A bundle holds ``codes.csv``, ``cases.csv``, ``interviewees.csv``, ``sources.csv``, ``excerpts.csv``
(each optional, at least one present) and the transcript files that ``sources.csv`` names, by paths
relative to the bundle. A .zip may hold them inside one top-level folder. Zip entries with an absolute
path or ``..`` are refused, and so is a .zip that unpacks to more than a given size.

Each CSV file is UTF-8 with or without a byte-order mark; its first line names the columns, separated
by ``,`` or ``;`` (told from that line). ``read_table`` gives the rows with the line each starts on
and every cell stripped of surrounding white space (``quote`` is kept exactly; its ``\\r\\n`` become
``\\n``). Every problem is a ``Problem`` (file, line, column, InvalidInput); ``BundleProblems``
carries all of them at once and lists each as "{file}, line {line}, column {column}: {message}".
"""
from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from casecoder.files.extract import Extracted, extract_text
from casecoder.files.tabular import FORMULA_START
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.vocabulary import AttributeType

CSV_FILES = ("codes.csv", "cases.csv", "interviewees.csv", "sources.csv", "excerpts.csv")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # file -> (required, optional) columns;
    "codes.csv": (("code_key", "kind", "label_da", "label_en"), ("parent_key", "description", "description_en")),
    "cases.csv": (("case_key", "municipality"), ()),  # and attribute columns
    "interviewees.csv": (("interviewee_key", "role", "perspective"), ("municipality",)),
    "sources.csv": (("source_key", "file", "title", "perspective"), ("case_keys", "interviewee_keys", "mode", "date")),
    "excerpts.csv": (("source_key",), ("case_key", "start", "end", "quote", "code_keys", "direction", "coder", "memo")),
}
DELIMITERS = (",", ";")
MB = 1024 * 1024
SOURCE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
INT_RE = re.compile(r"^-?(0|[1-9][0-9]*)$")  # no leading zeros: "007" stays text
NUMBER_RE = re.compile(r"^-?(0|[1-9][0-9]*)([.,][0-9]+)?$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
BOOLEAN = {"true", "false", "yes", "no", "ja", "nej"}

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
        """Run ``check(*args)``; on InvalidInput record it at ``row``/``column``. Returns (ok, value)."""
        try:
            return True, check(*args)
        except InvalidInput as exc:
            self.at(row, column, exc)
            return False, None

    def raise_any(self) -> None:
        if self:
            raise BundleProblems(self)


# -- the files of a bundle -------------------------------------------------------------------------

@dataclass
class Bundle:
    """The files of a bundle by relative POSIX path; ``read`` gives their bytes."""
    files: dict[str, Callable[[], bytes]]

    def read(self, name: str) -> bytes | None:
        opener = self.files.get(name)
        return opener() if opener else None


def safe_path(name: str) -> str | None:
    """``name`` as a normalized relative POSIX path, or None when it is absolute or leaves the bundle."""
    if not name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = name.split("/")
    if ".." in parts:
        return None
    return posixpath.normpath(name)


def folder_bundle(root: Path) -> Bundle:
    root = root.resolve()
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(root):
            files[path.relative_to(root).as_posix()] = path.read_bytes
    return _strip_top_folder(Bundle(files))


def zip_bundle(data: bytes, max_unpacked: int, filename: str = "bundle.zip") -> Bundle:
    """The files of a .zip held in memory; refuses unsafe paths and more than ``max_unpacked`` bytes."""
    problems = Problems()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.add(filename, None, None, InvalidInput("'{name}' is not a valid .zip file", "file", name=filename))
        problems.raise_any()
    for info in infos:
        if safe_path(info.filename) is None:
            problems.add(filename, None, None, InvalidInput(
                "The entry '{name}' has an absolute path or '..'; it is refused", "file", name=info.filename))
    if sum(i.file_size for i in infos) > max_unpacked:
        problems.add(filename, None, None, InvalidInput("The .zip file unpacks to more than {mb} MB", "file",
                                                        mb=max_unpacked // MB))
    problems.raise_any()
    contents: dict[str, bytes] = {}
    budget = max_unpacked
    for info in infos:
        try:
            with archive.open(info) as member:
                content = member.read(budget + 1)  # the sizes in the directory may lie
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError,
                RuntimeError) as exc:  # a damaged (bad CRC, broken deflate data) or encrypted entry
            problems.add(filename, None, None, InvalidInput("The entry '{name}' cannot be read ({reason})", "file",
                                                            name=info.filename, reason=str(exc)))
            problems.raise_any()
        budget -= len(content)
        if budget < 0:
            problems.add(filename, None, None, InvalidInput("The .zip file unpacks to more than {mb} MB", "file",
                                                            mb=max_unpacked // MB))
            problems.raise_any()
        contents[safe_path(info.filename)] = content  # type: ignore[index]
    return _strip_top_folder(Bundle({name: (lambda c=c: c) for name, c in contents.items()}))


def _strip_top_folder(bundle: Bundle) -> Bundle:
    """A bundle packed as one folder holding the CSV files: drop that folder from every path."""
    if any(name in bundle.files for name in CSV_FILES):
        return bundle
    tops = {name.split("/", 1)[0] for name in bundle.files}
    if len(tops) == 1 and all("/" in name for name in bundle.files):
        prefix = tops.pop() + "/"
        return Bundle({name[len(prefix):]: opener for name, opener in bundle.files.items()})
    return bundle


def read_transcript(bundle: Bundle, name: str, max_bytes: int) -> tuple[str, bytes, Extracted]:
    """The path, bytes and extracted text of the transcript file ``name`` of ``bundle``."""
    path = safe_path(name)
    if path is None:
        raise InvalidInput("'{name}' must be a path inside the bundle", "file", name=name)
    data = bundle.read(path)
    if data is None:
        raise InvalidInput("The file '{name}' is not in the bundle", "file", name=name)
    return path, data, extract_text(path, data, max_bytes)


def check_csv_names(bundle: Bundle, problems: Problems) -> None:
    """Every top-level CSV file must be one of ours (a misspelt name would be silently ignored)."""
    for name in sorted(bundle.files):
        if "/" not in name and name.lower().endswith(".csv") and name not in CSV_FILES:
            problems.add(name, None, None, InvalidInput(
                "Unknown file '{name}'; a bundle holds {files}", "file", name=name, files=", ".join(CSV_FILES)))
    if not any(name in bundle.files for name in CSV_FILES):
        problems.add("bundle", None, None, InvalidInput(
            "The bundle holds none of {files}", "file", files=", ".join(CSV_FILES)))


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
    counts = {d: next(csv.reader([header_line], delimiter=d), []).__len__() for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] < 2:
        problems.add(file, 1, None, InvalidInput(
            "The first line must name the columns, separated by ',' or ';'", "file"))
        return table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table.columns = [c.strip() for c in next(reader)]
    if not _check_header(table, required, optional, extra_columns, problems):
        return table
    positions = {name: i + 1 for i, name in enumerate(table.columns)}
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        extra = [c for c in cells[len(table.columns):] if c.strip()]
        if extra:
            problems.add(file, start, None, InvalidInput("This line has {n} cells, but the first line names {m} "
                                                         "columns", "file", n=len(cells), m=len(table.columns)))
            continue
        values = {name: _cell(name, cells[i] if i < len(cells) else "") for i, name in enumerate(table.columns)}
        table.rows.append(Row(file, start, values, positions))
    return table


def _cell(column: str, value: str) -> str:
    if value.startswith("'") and value[1:2] in FORMULA_START:  # written neutralised by export/bundle.py
        value = value[1:]
    return value.replace("\r\n", "\n") if column == "quote" else value.strip()


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


def unknown(what: str, key: str, file: str) -> InvalidInput:
    return InvalidInput("There is no {what} '{key}' in {file} or in the project", "key", what=what, key=key, file=file)


def source_key(value: str) -> str:
    value = (value or "").strip()
    if not SOURCE_KEY_RE.match(value):
        raise InvalidInput("{what} '{value}' must be 1-64 characters of letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit", "key", what=N_("Source key"), value=value)
    return value


def find_quote(text: str, quote: str, title: str) -> tuple[int, int]:
    """The span of the one place ``quote`` occurs in ``text``; not found or found twice is a problem."""
    first = text.find(quote)
    if first < 0:
        raise InvalidInput("The quote was not found in the transcript '{title}'", "quote", title=title)
    second = text.find(quote, first + 1)
    if second >= 0:
        raise InvalidInput("The quote occurs more than once in the transcript '{title}' (at {first} and {second}); "
                           "give start and end instead", "quote", title=title, first=first, second=second)
    return first, first + len(quote)
