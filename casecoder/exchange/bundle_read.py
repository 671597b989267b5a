"""Reading a project bundle: its files (a folder or a .zip), which CSV files it may hold, its keys,
quotes and transcripts. No Flask, no database; the tables themselves are read by ``files/csv_tables``.

A bundle holds ``codes.csv``, ``cases.csv``, ``interviewees.csv``, ``sources.csv``, ``excerpts.csv``
(each optional, at least one present) and the transcript files that ``sources.csv`` names, by paths
relative to the bundle. A .zip may hold them inside one top-level folder. It is read by
``files/zipread``: entries with an absolute path or ``..`` are refused, and so is a .zip that unpacks to
more than a given size; an entry is unpacked when the import reads it. Every refusal is a
``BundleProblems`` naming the .zip.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from casecoder.files.csv_tables import Bundle, BundleProblems, Problem, Problems
from casecoder.files.extract import Extracted, extract_text
from casecoder.files.zipread import ZipArchive, ZipRefused, open_zip, safe_path
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput

CSV_FILES = ("codes.csv", "cases.csv", "interviewees.csv", "sources.csv", "excerpts.csv")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # file -> (required, optional) columns;
    "codes.csv": (("code_key", "kind", "label_da", "label_en"), ("parent_key", "description", "description_en")),
    "cases.csv": (("case_key", "municipality"), ()),  # and attribute columns
    "interviewees.csv": (("interviewee_key", "role", "perspective"), ("municipality",)),
    "sources.csv": (("source_key", "file", "title", "perspective"), ("case_keys", "interviewee_keys", "mode", "date")),
    "excerpts.csv": (("source_key",), ("case_key", "start", "end", "quote", "code_keys", "direction", "coder", "memo")),
}
MB = 1024 * 1024
MAX_ENTRIES = 10_000  # files in a bundle .zip
MAX_ENTRY = 64 * MB  # what one file of a bundle .zip may unpack to (a transcript is limited further on)


# -- the files of a bundle -------------------------------------------------------------------------

def folder_bundle(root: Path) -> Bundle:
    root = root.resolve()
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(root):
            files[path.relative_to(root).as_posix()] = path.read_bytes
    return _strip_top_folder(Bundle(files))


def zip_bundle(data: bytes, max_unpacked: int, filename: str = "bundle.zip") -> Bundle:
    """The files of a .zip held in memory; refuses unsafe paths and more than ``max_unpacked`` bytes
    in all, ``MAX_ENTRY`` in one file or more than zipread's compression ratio (checked in the .zip's
    directory now, and again as each file is unpacked when read)."""
    try:
        archive = open_zip(data, filename, max_entries=MAX_ENTRIES, max_entry=MAX_ENTRY, max_total=max_unpacked,
                           ignore=("__MACOSX/",))
    except ZipRefused as exc:
        raise BundleProblems([_problem(filename, refusal) for refusal in exc.refusals]) from None
    return _strip_top_folder(Bundle({name: _opener(archive, name) for name in archive.names}))


def _opener(archive: ZipArchive, name: str) -> Callable[[], bytes]:
    """Reads the entry ``name`` when the import asks for it; a refusal refuses the whole bundle."""
    def read() -> bytes:
        try:
            return archive.read(name)
        except ZipRefused as exc:
            raise BundleProblems([_problem(archive.filename, exc)]) from None
    return read


def _problem(filename: str, refusal: ZipRefused) -> Problem:
    """A refusal of ``files/zipread`` in the bundle's own words."""
    if refusal.kind == "unsafe":
        error = InvalidInput("The entry '{name}' has an absolute path or '..'; it is refused", "file",
                             name=refusal.entry)
    elif refusal.kind == "too_big":
        error = InvalidInput("The .zip file unpacks to more than {mb} MB", "file", mb=(refusal.limit or 0) // MB)
    elif refusal.kind == "entry_too_big":
        error = InvalidInput("The file '{name}' unpacks to more than {mb} MB", "file", name=refusal.entry,
                             mb=(refusal.limit or 0) // MB)
    elif refusal.kind == "unreadable":
        error = InvalidInput("The entry '{name}' cannot be read ({reason})", "file", name=refusal.entry,
                             reason=refusal.params["reason"])
    else:  # not a zip
        error = refusal
    return Problem(filename, None, None, error)


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


# -- keys and quotes -------------------------------------------------------------------------------

def unknown(what: str, key: str, file: str) -> InvalidInput:
    return InvalidInput("There is no {what} '{key}' in {file} or in the project", "key", what=what, key=key, file=file)


def source_key(value: str) -> str:
    """A source key: as other keys (``validate.key``: letters such as æ, ø, å, digits, '.', '_', '-'),
    up to 64 characters."""
    return validate.key(value, N_("Source key"), validate.SOURCE_KEY_MAX)


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
