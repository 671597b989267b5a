"""The one safe way casecoder reads an uploaded zip (project bundles, .qdpx, .docx, .odt). No Flask.

``open_zip`` checks the central directory before anything is decompressed: the number of entries,
every entry's name (``safe_path``: no absolute path, drive letter, backslash or ``..``), each entry's
uncompressed size, its compression ratio and their total. Entries are then read one at a time, only
when asked for (``ZipArchive.read``), in chunks, and the read stops as soon as it passes the entry's
limit, its ratio or what is left of the total: the sizes a directory claims may lie (a decompression
bomb). An entry nobody asks for is never decompressed. Every refusal is
a ``ZipRefused`` (an ``InvalidInput``) naming the file and the limit; its ``kind`` says which check
failed, so a caller with wording of its own (the project bundle) can say it its way.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from typing import IO, Iterable

from casecoder.kernel.errors import N_, InvalidInput

MB = 1024 * 1024
CHUNK = 64 * 1024  # bytes decompressed at a time
MAX_RATIO = 200  # an entry may unpack to at most this many times its packed size ...
RATIO_FLOOR = 2 * MB  # ... unless it unpacks to no more than this (tiny entries compress oddly)
# what reading a damaged entry raises: bad CRC, broken deflate data (zlib.error), an encrypted entry
# (RuntimeError) or an unknown compression method (NotImplementedError)
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError, RuntimeError)

NOT_ZIP = N_("'{name}' is not a valid .zip file")
TOO_MANY = N_("'{name}' holds {n} files; at most {limit} are allowed")
UNSAFE = N_("'{name}' was refused: the entry '{entry}' has an absolute path or '..'")
TOO_BIG = N_("'{name}' was refused: it unpacks to more than {mb} MB (a decompression bomb?)")
ENTRY_TOO_BIG = N_("'{name}' is too large when unpacked")  # the entry and its limit are in the params
RATIO = N_("'{name}' was refused: the entry '{entry}' unpacks to more than {ratio} times its packed size "
           "(a decompression bomb?)")
UNREADABLE = N_("'{name}': the entry '{entry}' cannot be read ({reason})")


class ZipRefused(InvalidInput):
    """A zip refused by one of the checks. ``kind``: "not_zip", "too_many", "unsafe", "too_big" (all entries
    together), "entry_too_big", "ratio" (compression ratio) or "unreadable"; ``entry`` the entry concerned, ``limit`` the limit broken.
    ``refusals`` lists every refusal the directory check found, this one first."""

    def __init__(self, template: str, kind: str, archive: str, *, entry: str | None = None,
                 limit: int | None = None, **params: object):
        self.kind, self.archive, self.entry, self.limit = kind, archive, entry, limit
        self.refusals: list[ZipRefused] = [self]
        super().__init__(template, "file", name=archive, entry=entry, limit=limit, **params)


def safe_path(name: str) -> str | None:
    """``name`` as a normalized relative POSIX path, or None when it is absolute (``/x``, ``C:x``), holds a
    backslash or leaves its folder (``..``)."""
    if not name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    if ".." in name.split("/"):
        return None
    return posixpath.normpath(name)


def read_capped(stream: IO[bytes], cap: int, keep: bool = True) -> tuple[bytes, int]:
    """Read ``stream`` in chunks up to ``cap`` bytes: (the bytes, or b"" unless ``keep``; how many were read).
    A count above ``cap`` means the stream held more; reading stopped there (at most ``cap + 1`` bytes)."""
    chunks, size = [], 0
    while size <= cap:
        chunk = stream.read(min(CHUNK, cap + 1 - size))
        if not chunk:
            break
        size += len(chunk)
        if keep:
            chunks.append(chunk)
    return (b"".join(chunks) if keep and size <= cap else b""), size


class ZipArchive:
    """A zip whose directory passed the checks. ``names`` are its files' safe paths in archive order;
    ``read`` decompresses one of them within the limits."""

    def __init__(self, archive: zipfile.ZipFile, filename: str, infos: dict[str, zipfile.ZipInfo],
                 max_entry: int | None, max_total: int | None, max_ratio: int | None = MAX_RATIO):
        self._zip, self.filename, self._infos = archive, filename, infos
        self.max_entry, self.max_total, self.max_ratio = max_entry, max_total, max_ratio
        self._spent: dict[str, int] = {}  # bytes unpacked so far, by entry (an entry read twice counts once)
        self._spent_total = 0  # their sum, kept as entries are read (not summed again on every read)

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def size(self, name: str) -> int:
        """The unpacked size the directory claims for ``name`` (already checked against the limits)."""
        return self._infos[name].file_size

    def read(self, name: str, cap: int | None = None) -> bytes:
        """The bytes of the entry ``name`` (a KeyError when there is none); refused when it unpacks to more
        than its limit, than ``cap`` (a smaller limit for this entry), than its ratio allows or than what is
        left of the total, or when its data is damaged."""
        return self._unpack(name, keep=True, cap=cap)

    def check_all(self) -> None:
        """Unpack every entry within the limits, keeping nothing: before handing the archive to a library
        that unpacks it by itself (python-docx)."""
        for name in self._infos:
            self._unpack(name, keep=False)

    def _unpack(self, name: str, keep: bool, cap: int | None = None) -> bytes:
        info = self._infos[name]
        left = None if self.max_total is None else self.max_total - (self._spent_total - self._spent.get(name, 0))
        entry_cap = min((c for c in (self.max_entry, cap) if c is not None), default=None)
        ratio_cap = _ratio_cap(info, self.max_ratio)
        cap = min((c for c in (entry_cap, left, ratio_cap) if c is not None), default=None)
        try:
            with self._zip.open(info) as member:
                if cap is None:
                    data = member.read()
                    size = len(data)
                else:
                    data, size = read_capped(member, cap, keep)
        except ZIP_READ_ERRORS as exc:
            raise ZipRefused(UNREADABLE, "unreadable", self.filename, entry=info.filename,
                             reason=str(exc)) from None
        if cap is not None and size > cap:
            if entry_cap is not None and size > entry_cap:
                raise _entry_too_big(self.filename, info.filename, entry_cap)
            if ratio_cap is not None and size > ratio_cap:
                raise _ratio(self.filename, info.filename, self.max_ratio)  # type: ignore[arg-type]
            raise _too_big(self.filename, self.max_total)  # type: ignore[arg-type]
        self._spent_total += size - self._spent.get(name, 0)
        self._spent[name] = size
        return data


def open_zip(data: bytes, filename: str, *, max_entries: int | None = None, max_entry: int | None = None,
             max_total: int | None = None, max_ratio: int | None = MAX_RATIO, windows_separators: bool = False,
             ignore: Iterable[str] = ()) -> ZipArchive:
    """Open the zip ``data`` (the upload ``filename``) after checking its directory; nothing is decompressed.

    ``max_entries`` files at most, each unpacking to at most ``max_entry`` bytes and to at most ``max_ratio``
    times its packed size (above ``RATIO_FLOOR``), all of them to at most ``max_total`` (None: no limit). ``windows_separators`` reads ``\\`` in names as ``/`` (some Windows tools
    write them); entries under one of the ``ignore`` prefixes (``__MACOSX/``) and folders are left out.
    Raises ``ZipRefused`` with every problem of the directory in ``refusals``.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        listed = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith(tuple(ignore))]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ZipRefused(NOT_ZIP, "not_zip", filename) from None
    refusals: list[ZipRefused] = []
    if max_entries is not None and len(listed) > max_entries:
        refusals.append(ZipRefused(TOO_MANY, "too_many", filename, limit=max_entries, n=len(listed)))
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in listed:
        path = safe_path(info.filename.replace("\\", "/") if windows_separators else info.filename)
        if path is None:
            refusals.append(ZipRefused(UNSAFE, "unsafe", filename, entry=info.filename))
        else:
            infos[path] = info
    if max_entry is not None:
        refusals += [_entry_too_big(filename, i.filename, max_entry) for i in listed if i.file_size > max_entry]
    if max_total is not None and sum(i.file_size for i in listed) > max_total:
        refusals.append(_too_big(filename, max_total))
    if max_ratio is not None:
        refusals += [_ratio(filename, i.filename, max_ratio) for i in listed
                     if i.file_size > _ratio_cap(i, max_ratio)]  # type: ignore[operator]
    if refusals:
        first = refusals[0]
        first.refusals = refusals
        raise first
    return ZipArchive(archive, filename, infos, max_entry, max_total, max_ratio)


def _ratio_cap(info: zipfile.ZipInfo, max_ratio: int | None) -> int | None:
    """The most ``info`` may unpack to by its compression ratio (never less than ``RATIO_FLOOR``)."""
    return None if max_ratio is None else max(max_ratio * info.compress_size, RATIO_FLOOR)


def _ratio(filename: str, entry: str, ratio: int) -> ZipRefused:
    return ZipRefused(RATIO, "ratio", filename, entry=entry, limit=ratio, ratio=ratio)


def _too_big(filename: str, limit: int) -> ZipRefused:
    return ZipRefused(TOO_BIG, "too_big", filename, limit=limit, mb=f"{limit / MB:g}")


def _entry_too_big(filename: str, entry: str, limit: int) -> ZipRefused:
    return ZipRefused(ENTRY_TOO_BIG, "entry_too_big", filename, entry=entry, limit=limit,
                      detail=f"{entry}: more than {limit} bytes")
