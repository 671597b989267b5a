"""Reading a .qdpx (a zip) safely: no ``..`` or absolute paths, a cap on entries and on unpacked bytes.

The sizes a zip's directory claims may lie, so each entry is read with the remaining budget plus
one byte and the archive is refused as soon as the budget is overrun (a decompression bomb). Paths
are checked by ``coding.bundle_csv.safe_path`` (after turning ``\\`` into ``/``, which some Windows
tools write). ``QdpxArchive`` finds the single ``*.qde`` and the files of ``sources/`` in any
letter case.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from casecoder.files.bundle_csv import safe_path
from casecoder.kernel.errors import InvalidInput

MB = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_UNPACKED = 512 * MB
# what reading a damaged entry raises: bad CRC, broken deflate data (zlib.error), an encrypted entry
# (RuntimeError) or an unknown compression method (NotImplementedError)
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError, RuntimeError)


@dataclass
class QdpxArchive:
    qde_name: str
    qde: bytes
    files: dict[str, bytes]  # every entry by its (normalised) path

    def source_file(self, reference: str) -> tuple[str, bytes] | None:
        """The file a ``plainTextPath``/``richTextPath`` names: ``internal://x``, ``relative://…``, a bare path.

        Looked up under ``sources/`` in any letter case, then anywhere by file name.
        """
        name = reference.strip()
        for scheme in ("internal://", "relative://", "absolute://", "file://"):
            if name.lower().startswith(scheme):
                name = name[len(scheme):]
                break
        name = name.replace("\\", "/").lstrip("/")
        base = posixpath.basename(name).lower()
        by_lower = {path.lower(): path for path in self.files}
        for candidate in (f"sources/{name}".lower(), name.lower(), f"sources/{base}"):
            if candidate in by_lower:
                return by_lower[candidate], self.files[by_lower[candidate]]
        matches = [path for path in self.files if posixpath.basename(path).lower() == base]
        return (matches[0], self.files[matches[0]]) if len(matches) == 1 else None


def read_zip(data: bytes, filename: str, *, max_entries: int = MAX_ENTRIES,
             max_unpacked: int = MAX_UNPACKED) -> dict[str, bytes]:
    """Every file entry of the zip ``data`` by its safe relative path; refuses unsafe archives."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidInput("'{name}' is not a valid .zip file", "file", name=filename) from None
    if len(infos) > max_entries:
        raise InvalidInput("'{name}' holds {n} files; at most {limit} are allowed", "file", name=filename,
                           n=len(infos), limit=max_entries)
    paths = {}
    for info in infos:
        path = safe_path(info.filename.replace("\\", "/"))
        if path is None:
            raise InvalidInput("'{name}' was refused: the entry '{entry}' has an absolute path or '..'", "file",
                               name=filename, entry=info.filename)
        paths[info.filename] = path
    too_big = InvalidInput("'{name}' was refused: it unpacks to more than {mb} MB (a decompression bomb?)",
                           "file", name=filename, mb=f"{max_unpacked / MB:g}")
    if sum(i.file_size for i in infos) > max_unpacked:
        raise too_big
    files: dict[str, bytes] = {}
    budget = max_unpacked
    for info in infos:
        try:
            with archive.open(info) as member:
                content = member.read(budget + 1)
        except ZIP_READ_ERRORS as exc:
            raise InvalidInput("'{name}': the entry '{entry}' cannot be read ({reason})", "file", name=filename,
                               entry=info.filename, reason=str(exc)) from None
        budget -= len(content)
        if budget < 0:
            raise too_big
        files[paths[info.filename]] = content
    return files


def open_qdpx(data: bytes, filename: str, *, max_entries: int = MAX_ENTRIES,
              max_unpacked: int = MAX_UNPACKED) -> QdpxArchive:
    """The .qdpx ``data``: its one ``*.qde`` (at the top, else anywhere) and all its files."""
    files = read_zip(data, filename, max_entries=max_entries, max_unpacked=max_unpacked)
    qdes = [path for path in files if path.lower().endswith(".qde") and "/" not in path]
    if not qdes:
        qdes = [path for path in files if path.lower().endswith(".qde")]
    if len(qdes) != 1:
        raise InvalidInput("'{name}' must hold exactly one .qde file; it holds {n}", "file", name=filename,
                           n=len(qdes))
    return QdpxArchive(qdes[0], files[qdes[0]], files)
